"""A schema-v1 experiment written by the v1 store (hd-desktop at 5b4ad3e), kept as SQL.

Made by a script run on that version: round 0 (NES pairs, gold, practice), round 1
(its design names the round its anchors came from), a trials session with an undo, a practice
session and a simulated session. Beside it, what that version reported about it: the sha256 of
every table's rows, of each session's exported rating CSV and sidecar content, the vote counts
and every vote. The migration test loads the dump, upgrades it and checks all of these.
"""

DUMP = """\
BEGIN TRANSACTION;
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO "meta" VALUES('experiment_id','0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f');
INSERT INTO "meta" VALUES('created_at','2026-11-26T15:02:49.552098+00:00');
INSERT INTO "meta" VALUES('created_with','0.1.0');
INSERT INTO "meta" VALUES('space_fingerprint','space-5f1c0a9e');
INSERT INTO "meta" VALUES('space_info','{"corpus":"bundled","k":2,"units":"SD of the real data per axis"}');
CREATE TABLE rounds (
    idx        INTEGER PRIMARY KEY,
    design     TEXT NOT NULL,            -- JSON, as the design module wrote it
    created_at TEXT NOT NULL
);
INSERT INTO "rounds" VALUES(0,'{"R":3,"seed":11,"sigma_nei":0.5,"sigma_nes":0.3}','2026-11-26T15:02:49.552898+00:00');
INSERT INTO "rounds" VALUES(1,'{"R":2,"anchors_from":{"model_id":null,"round":0},"seed":12,"sigma_nei":0.5,"sigma_nes":0.3}','2026-11-26T15:02:49.553424+00:00');
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    listener    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('trials', 'practice', 'evaluation', 'simulated')),
    order_ids   TEXT NOT NULL,           -- JSON list of stimulus ids, trial i plays order_ids[i]
    order_seed  INTEGER,
    device      TEXT,
    gain_db     REAL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    settings    TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO "sessions" VALUES('d0aeb7f631564e8086a08e38a9dd2392','L01','trials','["r0-n000-r00+", "r0-n000-r00-", "r0-n000-r01+", "r0-n000-r01-", "r0-n000-r02+", "r0-n000-r02-", "r0-n001-r00+", "r0-n001-r00-", "r0-n001-r01+", "r0-n001-r01-", "r0-n001-r02+", "r0-n001-r02-", "r0-gold-real-0", "r0-gold-far-0"]',5,'Dummy Out',-3.25,'2026-11-26T15:02:49.553704+00:00','2026-03-02T09:35:00.000000+00:00','{"break_every":4}');
INSERT INTO "sessions" VALUES('50fa98065262424a94656a4ee8bfb341','L01','practice','["r0-practice-0"]',NULL,NULL,NULL,'2026-11-26T15:02:49.556820+00:00',NULL,'{}');
INSERT INTO "sessions" VALUES('7308627edc794a76a05ef92425b062ea','sim-1','simulated','["r1-n000-r00+", "r1-n000-r00-", "r1-n000-r01+", "r1-n000-r01-", "r1-n001-r00+", "r1-n001-r00-", "r1-n001-r01+", "r1-n001-r01-"]',3,NULL,NULL,'2026-11-26T15:02:49.557294+00:00',NULL,'{}');
CREATE TABLE stimuli (
    id        TEXT PRIMARY KEY,
    round     INTEGER NOT NULL REFERENCES rounds(idx),
    role      TEXT NOT NULL,
    z         TEXT NOT NULL,             -- JSON list, floats written with repr (exact)
    seed      INTEGER NOT NULL,
    neighbour INTEGER,
    pair      INTEGER
);
INSERT INTO "stimuli" VALUES('r0-n000-r00+',0,'nes+','[-0.9255727874126831, 0.2236252137247673]',11000,0,0);
INSERT INTO "stimuli" VALUES('r0-n000-r00-',0,'nes-','[-1.522572564015247, 0.5315511828784285]',11000,0,0);
INSERT INTO "stimuli" VALUES('r0-n000-r01+',0,'nes+','[-1.6227664359198577, 0.35792937679756703]',11001,0,1);
INSERT INTO "stimuli" VALUES('r0-n000-r01-',0,'nes-','[-0.8253789155080724, 0.39724701980562876]',11001,0,1);
INSERT INTO "stimuli" VALUES('r0-n000-r02+',0,'nes+','[-1.080669045039219, 0.7070436282348305]',11002,0,2);
INSERT INTO "stimuli" VALUES('r0-n000-r02-',0,'nes-','[-1.3674763063887112, 0.048132768368365386]',11002,0,2);
INSERT INTO "stimuli" VALUES('r0-n001-r00+',0,'nes+','[-1.0040962287331199, -1.1506387368597382]',11100,1,0);
INSERT INTO "stimuli" VALUES('r0-n001-r00-',0,'nes-','[-1.4276529702909084, -1.4350901648339545]',11100,1,0);
INSERT INTO "stimuli" VALUES('r0-n001-r01+',0,'nes+','[-0.7557388809075789, -0.998126778671875]',11101,1,1);
INSERT INTO "stimuli" VALUES('r0-n001-r01-',0,'nes-','[-1.6760103181164494, -1.5876021230218176]',11101,1,1);
INSERT INTO "stimuli" VALUES('r0-n001-r02+',0,'nes+','[-1.2464090486442638, -1.3751354374124631]',11102,1,2);
INSERT INTO "stimuli" VALUES('r0-n001-r02-',0,'nes-','[-1.1853401503797645, -1.2105934642812295]',11102,1,2);
INSERT INTO "stimuli" VALUES('r0-gold-real-0',0,'gold-real','[0.14285714285714285, 0.2222222222222222]',500,NULL,NULL);
INSERT INTO "stimuli" VALUES('r0-gold-far-0',0,'gold-far','[6.0, -6.5]',600,NULL,NULL);
INSERT INTO "stimuli" VALUES('r0-practice-0',0,'practice','[0.0, 0.0]',700,NULL,NULL);
INSERT INTO "stimuli" VALUES('r0-practice-1',0,'practice','[0.3333333333333333, -0.14285714285714285]',701,NULL,NULL);
INSERT INTO "stimuli" VALUES('r1-n000-r00+',1,'nes+','[-1.5286259481933042, 0.08890961039671064]',12000,0,0);
INSERT INTO "stimuli" VALUES('r1-n000-r00-',1,'nes-','[-1.3617494310331688, 0.37687670271475643]',12000,0,0);
INSERT INTO "stimuli" VALUES('r1-n000-r01+',1,'nes+','[-1.1551239690361867, 0.2527173555813776]',12001,0,1);
INSERT INTO "stimuli" VALUES('r1-n000-r01-',1,'nes-','[-1.7352514101902863, 0.21306895753008948]',12001,0,1);
INSERT INTO "stimuli" VALUES('r1-n001-r00+',1,'nes+','[-0.42287042940351083, 1.4238114390360508]',12100,1,0);
INSERT INTO "stimuli" VALUES('r1-n001-r00-',1,'nes-','[-0.12609097661814603, 2.181623250344984]',12100,1,0);
INSERT INTO "stimuli" VALUES('r1-n001-r01+',1,'nes+','[-0.6867609247246677, 1.6448835126520849]',12101,1,1);
INSERT INTO "stimuli" VALUES('r1-n001-r01-',1,'nes-','[0.13779951870301077, 1.9605511767289499]',12101,1,1);
CREATE TABLE votes (
    id           TEXT PRIMARY KEY,       -- globally unique (uuid4 hex): merging is idempotent
    listener     TEXT NOT NULL,
    session_id   TEXT NOT NULL REFERENCES sessions(id),
    trial        INTEGER NOT NULL CHECK (trial >= 0),
    stimulus_id  TEXT NOT NULL REFERENCES stimuli(id),
    response     INTEGER NOT NULL CHECK (response IN (0, 1)),
    rt_ms        REAL NOT NULL CHECK (rt_ms >= 0),
    n_plays      INTEGER NOT NULL CHECK (n_plays >= 1),
    presented_at TEXT NOT NULL,
    responded_at TEXT NOT NULL,
    device       TEXT,
    gain_db      REAL,
    app_version  TEXT NOT NULL,
    undone_at    TEXT                    -- the undo log: set once, never cleared, never deleted
);
INSERT INTO "votes" VALUES('5a65e4ebecde476585f43ec09281743b','L01','d0aeb7f631564e8086a08e38a9dd2392',0,'r0-n000-r00+',0,250.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.250000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('c5da7c0ccebb45e9ac13124713cf9712','L01','d0aeb7f631564e8086a08e38a9dd2392',1,'r0-n000-r00-',1,2.50333333333333342808e+02,2,'2026-03-02T09:30:03.000000+00:00','2026-03-02T09:30:03.251000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('b7f772c9165546b99278a2d1b620e652','L01','d0aeb7f631564e8086a08e38a9dd2392',2,'r0-n000-r01+',0,2.5066666666666665719e+02,1,'2026-03-02T09:30:06.000000+00:00','2026-03-02T09:30:06.252000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('eff04cf0721948f4a494c9f4c46023f4','L01','d0aeb7f631564e8086a08e38a9dd2392',3,'r0-n000-r01-',0,251.0,2,'2026-03-02T09:30:09.000000+00:00','2026-03-02T09:30:09.253000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('b42e31deff2f4886b9f318866a067aaa','L01','d0aeb7f631564e8086a08e38a9dd2392',4,'r0-n000-r02+',1,2.51333333333333342808e+02,1,'2026-03-02T09:30:12.000000+00:00','2026-03-02T09:30:12.254000+00:00','Dummy Out',-3.25,'0.1.0','2026-03-02T09:30:13.000000+00:00');
INSERT INTO "votes" VALUES('5227f11153534b58ab117c70eee52478','L01','d0aeb7f631564e8086a08e38a9dd2392',4,'r0-n000-r02+',1,999.5,3,'2026-03-02T09:30:12.000000+00:00','2026-03-02T09:30:14.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('c08adcac0394421faaa88c3c89a165f2','L01','d0aeb7f631564e8086a08e38a9dd2392',5,'r0-n000-r02-',0,2.51666666666666657189e+02,2,'2026-03-02T09:30:15.000000+00:00','2026-03-02T09:30:15.255000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('c896952731f34bdda87e5c22a4b59099','L01','d0aeb7f631564e8086a08e38a9dd2392',6,'r0-n001-r00+',0,252.0,1,'2026-03-02T09:30:18.000000+00:00','2026-03-02T09:30:18.256000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('7d214fac259a43768d14de3f091f324e','L01','d0aeb7f631564e8086a08e38a9dd2392',7,'r0-n001-r00-',1,2.52333333333333342807e+02,2,'2026-03-02T09:30:21.000000+00:00','2026-03-02T09:30:21.257000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('628f1a37d6814a61970cc368d3d35e40','L01','d0aeb7f631564e8086a08e38a9dd2392',8,'r0-n001-r01+',0,2.52666666666666657188e+02,1,'2026-03-02T09:30:24.000000+00:00','2026-03-02T09:30:24.258000+00:00','Dummy Out',-3.25,'0.1.0',NULL);
INSERT INTO "votes" VALUES('c7ce9c14ce2d4b52bf4850ca5fda1797','L01','50fa98065262424a94656a4ee8bfb341',0,'r0-practice-0',0,300.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:01.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('17ca528123b742e2b40ab4afd6285468','sim-1','7308627edc794a76a05ef92425b062ea',0,'r1-n000-r00+',0,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('8e3f817f0ddf4dac8c37d6e09f507c09','sim-1','7308627edc794a76a05ef92425b062ea',1,'r1-n000-r00-',1,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('b97527a3ca664e78becf0090a8f073e6','sim-1','7308627edc794a76a05ef92425b062ea',2,'r1-n000-r01+',0,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('86dae1a2d0ad4145a8a79cde13628bb4','sim-1','7308627edc794a76a05ef92425b062ea',3,'r1-n000-r01-',1,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('b7bd4a08969e40cca088426cfdb5b01e','sim-1','7308627edc794a76a05ef92425b062ea',4,'r1-n001-r00+',0,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('afc7b37a1db04d67baf07e939842e360','sim-1','7308627edc794a76a05ef92425b062ea',5,'r1-n001-r00-',1,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('c769b595f13946e48afc7d8dc9cc524e','sim-1','7308627edc794a76a05ef92425b062ea',6,'r1-n001-r01+',0,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
INSERT INTO "votes" VALUES('486748a690ff4010ac8928f91cf98fd6','sim-1','7308627edc794a76a05ef92425b062ea',7,'r1-n001-r01-',1,0.0,1,'2026-03-02T09:30:00.000000+00:00','2026-03-02T09:30:00.000000+00:00',NULL,NULL,'0.1.0',NULL);
CREATE INDEX stimuli_by_round ON stimuli(round);
CREATE UNIQUE INDEX votes_one_standing ON votes(session_id, trial) WHERE undone_at IS NULL;
CREATE INDEX votes_by_stimulus ON votes(stimulus_id);
CREATE INDEX votes_by_listener ON votes(listener);
COMMIT;
"""

TABLE_SHA256 = {'meta': '8b0294dc1585ef1c8a51f77b3609fbd20721be7cdf24438d92619bcf3d6f2907',
 'rounds': 'e13002fcb1252d91a45676dd7fbf80a37f41c6558bb46881ea5b9cccb8111188',
 'sessions': 'bb27ec7012611a7944a51b555eaf3b852069e7fb8f2a6c24a2fdf083091034ac',
 'stimuli': 'c865db41799d7c3086813586573d7fb261d59285e216dec7ffdbe758ef58efda',
 'votes': 'd1ef2b1397bd627074980d2c8c973f16f50c87282403a0ca146d75dd84f9aa93'}

EXPORTS = {'50fa98065262424a94656a4ee8bfb341': {'csv_sha256': '9f7e0711872ab9e03df0a85a4b930e18060f6637af476858c84b0e764b10de80',
                                      'sidecar_sha256': 'a3550ab173a716b4be6532a15199d5ae27556aab88c2c44a1558d91e2aa5a340'},
 '7308627edc794a76a05ef92425b062ea': {'csv_sha256': '8ac5d874aa8fa3506555402290b9a8dc5ee2e707eb427f39759603acec5b32f4',
                                      'sidecar_sha256': '65465a9f33e937d64cd0a41818b3800ba4eab44d13f2d9b2741fff5eec3f75bf'},
 'd0aeb7f631564e8086a08e38a9dd2392': {'csv_sha256': '50b3a5148b01cf360554f5484ef529ec51d3d443032e0118ef4ef94bbab5f85d',
                                      'sidecar_sha256': 'f0ef4a81a01713573ffc2296c895e0d4dc1fed2bad4338da5126937897329536'}}

VOTE_COUNTS = {'r0-n000-r00+': [0, 1],
 'r0-n000-r00-': [1, 1],
 'r0-n000-r01+': [0, 1],
 'r0-n000-r01-': [0, 1],
 'r0-n000-r02+': [1, 1],
 'r0-n000-r02-': [0, 1],
 'r0-n001-r00+': [0, 1],
 'r0-n001-r00-': [1, 1],
 'r0-n001-r01+': [0, 1],
 'r1-n000-r00+': [0, 1],
 'r1-n000-r00-': [1, 1],
 'r1-n000-r01+': [0, 1],
 'r1-n000-r01-': [1, 1],
 'r1-n001-r00+': [0, 1],
 'r1-n001-r00-': [1, 1],
 'r1-n001-r01+': [0, 1],
 'r1-n001-r01-': [1, 1]}

VOTES = [['c7ce9c14ce2d4b52bf4850ca5fda1797',
  'L01',
  '50fa98065262424a94656a4ee8bfb341',
  0,
  'r0-practice-0',
  0,
  300.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:01.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['17ca528123b742e2b40ab4afd6285468',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  0,
  'r1-n000-r00+',
  0,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['8e3f817f0ddf4dac8c37d6e09f507c09',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  1,
  'r1-n000-r00-',
  1,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['b97527a3ca664e78becf0090a8f073e6',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  2,
  'r1-n000-r01+',
  0,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['86dae1a2d0ad4145a8a79cde13628bb4',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  3,
  'r1-n000-r01-',
  1,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['b7bd4a08969e40cca088426cfdb5b01e',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  4,
  'r1-n001-r00+',
  0,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['afc7b37a1db04d67baf07e939842e360',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  5,
  'r1-n001-r00-',
  1,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['c769b595f13946e48afc7d8dc9cc524e',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  6,
  'r1-n001-r01+',
  0,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['486748a690ff4010ac8928f91cf98fd6',
  'sim-1',
  '7308627edc794a76a05ef92425b062ea',
  7,
  'r1-n001-r01-',
  1,
  0.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['5a65e4ebecde476585f43ec09281743b',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  0,
  'r0-n000-r00+',
  0,
  250.0,
  1,
  '2026-03-02T09:30:00.000000+00:00',
  '2026-03-02T09:30:00.250000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['c5da7c0ccebb45e9ac13124713cf9712',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  1,
  'r0-n000-r00-',
  1,
  250.33333333333334,
  2,
  '2026-03-02T09:30:03.000000+00:00',
  '2026-03-02T09:30:03.251000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['b7f772c9165546b99278a2d1b620e652',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  2,
  'r0-n000-r01+',
  0,
  250.66666666666666,
  1,
  '2026-03-02T09:30:06.000000+00:00',
  '2026-03-02T09:30:06.252000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['eff04cf0721948f4a494c9f4c46023f4',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  3,
  'r0-n000-r01-',
  0,
  251.0,
  2,
  '2026-03-02T09:30:09.000000+00:00',
  '2026-03-02T09:30:09.253000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['b42e31deff2f4886b9f318866a067aaa',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  4,
  'r0-n000-r02+',
  1,
  251.33333333333334,
  1,
  '2026-03-02T09:30:12.000000+00:00',
  '2026-03-02T09:30:12.254000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  '2026-03-02T09:30:13.000000+00:00'],
 ['5227f11153534b58ab117c70eee52478',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  4,
  'r0-n000-r02+',
  1,
  999.5,
  3,
  '2026-03-02T09:30:12.000000+00:00',
  '2026-03-02T09:30:14.000000+00:00',
  None,
  None,
  '0.1.0',
  None],
 ['c08adcac0394421faaa88c3c89a165f2',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  5,
  'r0-n000-r02-',
  0,
  251.66666666666666,
  2,
  '2026-03-02T09:30:15.000000+00:00',
  '2026-03-02T09:30:15.255000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['c896952731f34bdda87e5c22a4b59099',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  6,
  'r0-n001-r00+',
  0,
  252.0,
  1,
  '2026-03-02T09:30:18.000000+00:00',
  '2026-03-02T09:30:18.256000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['7d214fac259a43768d14de3f091f324e',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  7,
  'r0-n001-r00-',
  1,
  252.33333333333334,
  2,
  '2026-03-02T09:30:21.000000+00:00',
  '2026-03-02T09:30:21.257000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None],
 ['628f1a37d6814a61970cc368d3d35e40',
  'L01',
  'd0aeb7f631564e8086a08e38a9dd2392',
  8,
  'r0-n001-r01+',
  0,
  252.66666666666666,
  1,
  '2026-03-02T09:30:24.000000+00:00',
  '2026-03-02T09:30:24.258000+00:00',
  'Dummy Out',
  -3.25,
  '0.1.0',
  None]]
