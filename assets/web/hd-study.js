/* hd-desktop online study: one round of listening trials on jsPsych 8.
 *
 * Reads the study from window.HD_STUDY (study.js, written by `hd-desktop web export`), asks or
 * reads the participant id, draws the participant's seeded order, runs instructions -> level
 * check -> practice (stored, never counted) -> trials with breaks, and hands the data to JATOS
 * (jatos.js) or, standalone, downloads it as a CSV the participant sends back.
 *
 * The seeded draws (fnv1a, mulberry32, webOrder) are mirrored in hd_desktop/web/order.py: the
 * import draws the order again and refuses results whose order differs. Change both or neither.
 */
(function () {
  "use strict";
  const STUDY = window.HD_STUDY;
  const byId = new Map(STUDY.stimuli.map((s) => [s.id, s]));
  const SCREENING = new Set(["gold-real", "gold-far"]);
  const URL_IDS = ["PROLIFIC_PID", "workerId", "participant"];
  const RECORDS = ["consent", "questionnaire", "headphone_check"];   // imported as listener records

  // ------------------------------------------------------------------ listener texts
  // Every string the participant sees comes from the experiment's listener texts (study.js
  // `texts`, written by the export in the study's language; assets/texts/<lang>.json). `T` fills
  // a text's {placeholders} with values escaped, as hd_desktop/session/texts.py does.
  const TEXTS = STUDY.texts.strings;
  function escapeHtml(v) {
    return String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                    '"': "&quot;", "'": "&#x27;" })[c]);
  }
  function T(key, values) {
    const text = TEXTS[key];
    if (text === undefined) throw new Error(`listener text ${key} missing`);
    return values ? text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? escapeHtml(values[k]) : m)) : text;
  }

  // ------------------------------------------------------------------ seeded draws
  function fnv1a(text) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h >>> 0;
  }

  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(items, rng) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
  }

  function partners(a, b) {
    return a.pair !== null && a.pair === b.pair && a.id !== b.id;
  }

  function webOrder(ids, seed) {
    const rng = mulberry32(seed);
    const items = ids.map((id) => byId.get(id));
    const gold = items.filter((s) => SCREENING.has(s.role));
    const rest = items.filter((s) => !SCREENING.has(s.role));
    shuffle(gold, rng);
    shuffle(rest, rng);
    const pending = rest.slice().reverse();
    const placed = [];
    while (pending.length) {
      let take = pending.length - 1;
      if (placed.length && partners(pending[take], placed[placed.length - 1])) {
        if (pending.length > 1) take -= 1;
        else if (placed.length >= 2) { placed.unshift(pending.pop()); continue; }
        else throw new Error("two halves of one pair and nothing else cannot be separated");
      }
      placed.push(pending.splice(take, 1)[0]);
    }
    const n = items.length;
    const slots = [];
    for (let b = 0; b < gold.length; b++) {
      let at = Math.min(n - 1, Math.floor((b + 0.2 + 0.6 * rng()) * n / gold.length));
      while (slots.includes(at)) at = (at + 1) % n;
      slots.push(at);
    }
    const out = [];
    let g = 0, r = 0;
    for (let i = 0; i < n; i++) out.push(slots.includes(i) ? gold[g++] : placed[r++]);
    return out.map((s) => s.id);
  }

  // ------------------------------------------------------------------ SHA-256 (FIPS 180-4)
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256Hex(text) {
    const bytes = new TextEncoder().encode(text);
    const bitLen = bytes.length * 8;
    const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLen / 4294967296));
    view.setUint32(padded.length - 4, bitLen >>> 0);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const W = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
        const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
        W[i] = W[i - 16] + s0 + W[i - 7] + s1;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    return Array.from(H, (x) => x.toString(16).padStart(8, "0")).join("");
  }

  // ------------------------------------------------------------------ the digest of the answers
  // One line per answer, tab-separated, after a header naming the study, participant and order;
  // hd_desktop/web/results.py rebuilds the same text from the file and compares.
  // Results schema 2 adds a line with the listener texts' checksum and one per listener record
  // (consent, questionnaire, headphone check: its kind and its JSON text, hd_web/records.py).
  function digestText(meta, rows, records) {
    const head = [meta.hd_study, meta.hd_experiment, meta.hd_round, meta.hd_participant,
                  meta.hd_seed, meta.hd_list, meta.hd_order, meta.hd_practice_order].join("\t");
    const lines = rows.map((r) => [r.hd_phase, r.hd_trial, r.stimulus_id, r.response,
                                   r.rt_ms.toFixed(1), r.n_plays, r.presented_at,
                                   r.responded_at].join("\t"));
    const more = ["texts\t" + meta.hd_texts_sha256].concat(
      (records || []).map((r) => ["record", r.hd_kind, r.hd_record].join("\t")));
    return [head].concat(lines, more).join("\n");
  }

  // ------------------------------------------------------------------ sound
  // A voice has started when the browser's audio clock has run past the moment it was scheduled
  // at: `play()` alone proves nothing (a suspended AudioContext, as in a browser without an
  // audio output, takes the call and never sounds). Answers wait for that moment, the reaction
  // time counts from it, and a browser whose clock does not run is told so and goes no further.
  const START_LEAD_S = 0.05;    // a voice is scheduled this far ahead of the audio clock
  const START_WAIT_MS = 3000;   // no start within this: the browser cannot play
  const SLOW_START_MS = 500;    // a start this slow says so on the page while it waits

  class Silent extends Error {}
  class Replaced extends Error {}

  let current = null;           // the voice sounding now: { stop() }; one voice at a time
  function stopVoice() {
    if (current) current.stop();
    current = null;
  }

  // The performance.now() time at which the audio clock's time `t` reaches the output.
  function performanceAt(ctx, t) {
    const ts = typeof ctx.getOutputTimestamp === "function" ? ctx.getOutputTimestamp() : null;
    if (ts && ts.performanceTime > 0) return ts.performanceTime + (t - ts.contextTime) * 1000;
    return performance.now() - (ctx.currentTime - t) * 1000;
  }

  // Resolves once `started()` returns the onset ({ perf, audio_s }), rejects with Silent after
  // START_WAIT_MS, or with Replaced when another voice took its place. `slow()` runs once when
  // the start takes longer than SLOW_START_MS.
  function waitForStart(voice, started, slow) {
    const asked = performance.now();
    let told = false;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (current !== voice) return reject(new Replaced());
        const onset = started();
        if (onset) return resolve(onset);
        const waited = performance.now() - asked;
        if (waited > START_WAIT_MS) { stopVoice(); return reject(new Silent()); }
        if (waited > SLOW_START_MS && !told && slow) { told = true; slow(); }
        setTimeout(check, 5);
      };
      check();
    });
  }

  // Plays `file` from its start and resolves with its onset when it has really started:
  // { perf: performance.now() time of the onset, audio_s: the audio clock's time of it (null
  // for an <audio> element), clock }. Rejects with Silent when it does not start.
  async function startVoice(jsPsych, file, slow) {
    const player = await jsPsych.pluginAPI.getAudioPlayer(file);
    stopVoice();
    const ctx = jsPsych.pluginAPI.audioContext();  // asks a suspended context to resume
    if (ctx && player.webAudioBuffer) {            // jsPsych's decoded buffer (Web Audio)
      const source = ctx.createBufferSource();
      source.buffer = player.webAudioBuffer;
      source.connect(ctx.destination);
      const at = ctx.currentTime + START_LEAD_S;
      source.start(at);
      const voice = { stop: () => { try { source.stop(); } catch (e) { /* ended */ } } };
      current = voice;
      return waitForStart(voice, () => {
        if (ctx.state !== "running" || ctx.currentTime < at) return null;
        const perf = performanceAt(ctx, at);
        return performance.now() >= perf ? { perf: perf, audio_s: at, clock: "webaudio" } : null;
      }, slow);
    }
    const audio = player.audio;                    // an <audio> element (no Web Audio: file://)
    audio.currentTime = 0;
    const voice = { stop: () => audio.pause() };
    current = voice;
    const playing = audio.play();
    if (playing) playing.catch(() => { /* refused: the wait below tells the participant */ });
    return waitForStart(voice, () => (!audio.paused && audio.currentTime > 0
      ? { perf: performance.now() - audio.currentTime * 1000, audio_s: null, clock: "media-element" }
      : null), slow);
  }

  const NO_SOUND = "<div class='hd-text hd-no-sound' id='hd-no-sound'>" + T("web.no_sound.body") +
    `<p><button id='hd-retry' class='jspsych-btn'>${T("web.no_sound.retry")}</button></p></div>`;

  // Shows NO_SOUND inside `el`, hiding what else is there; `retry` runs on its button.
  function showNoSound(el, retry) {
    let box = el.querySelector("#hd-no-sound");
    if (!box) {
      Array.from(el.children).forEach((c) => { c.hidden = true; });
      el.insertAdjacentHTML("beforeend", NO_SOUND);
      box = el.querySelector("#hd-no-sound");
      box.querySelector("#hd-retry").addEventListener("click", retry);
    }
  }

  function hideNoSound(el) {
    const box = el.querySelector("#hd-no-sound");
    if (!box) return;
    const focused = box.contains(document.activeElement);
    box.remove();
    Array.from(el.children).forEach((c) => { c.hidden = false; });
    // jsPsych hears keys inside its display element only: give it the focus the button had
    if (focused) (el.closest(".jspsych-display-element") || el).focus();
  }

  const INSTRUCTIONS = "<div class='hd-text'>" + T("instructions.body") +
    T("web.instructions.keys") + "</div>";

  // ------------------------------------------------------------------ plugins
  const P = jsPsychModule.ParameterType;

  const WAITING = T("web.waiting");

  // Plays the voice `file` on `play()` and reports its onset to `started`; a voice that does not
  // start puts the page `el` behind the no-sound message (its Try again plays it again).
  function voicePlayer(jsPsych, el, file, started, stopped) {
    const status = () => el.querySelector(".hd-status");
    const play = async () => {
      stopped();
      let onset;
      try {
        onset = await startVoice(jsPsych, file, () => { status().innerHTML = WAITING; });
      } catch (e) {
        if (e instanceof Replaced) return;        // a newer play took its place
        if (!(e instanceof Silent)) console.error(e);
        status().innerHTML = "";
        showNoSound(el, play);
        return;
      }
      hideNoSound(el);
      status().innerHTML = "";
      started(onset);
    };
    return play;
  }

  class HdLevelPlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el, trial) {
      el.innerHTML =
        `<div class='hd-level'><div class='hd-text'>${T("web.level.heading")}</div>` +
        `<p><button id='hd-play' class='jspsych-btn'>${T("level.play")}</button></p>` +
        `<p><button id='hd-go' class='jspsych-btn' disabled>${T("level.continue")}</button></p>` +
        "<p class='hd-status'></p></div>";
      let plays = 0, finished = false;
      const go = el.querySelector("#hd-go");
      const play = voicePlayer(this.jsPsych, el, trial.file, () => {
        if (finished) return;
        plays += 1;
        go.disabled = false;                       // the reference was heard
      }, () => { go.disabled = true; });
      const done = () => {
        if (go.disabled || finished) return;
        finished = true;
        this.jsPsych.pluginAPI.cancelAllKeyboardResponses();
        this.jsPsych.finishTrial({ hd_kind: "level", n_plays: plays, audio_started: true });
      };
      el.querySelector("#hd-play").addEventListener("click", play);
      go.addEventListener("click", done);
      this.jsPsych.pluginAPI.getKeyboardResponse({
        callback_function: (info) => (info.key === " " ? play() : done()),
        valid_responses: [" ", "enter"], persist: true, allow_held_key: false,
      });
    }
  }
  HdLevelPlugin.info = { name: "hd-level", version: "1.0.0",
                         parameters: { file: { type: P.STRING, default: undefined } },
                         data: { n_plays: { type: P.INT } } };

  class HdVotePlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el, trial) {
      const jsPsych = this.jsPsych;
      const stim = byId.get(trial.stimulus_id);
      const label = T(trial.phase === "practice" ? "trial.practice_header" : "trial.header",
                      { n: trial.index + 1, total: trial.total });
      el.innerHTML =
        `<div class='hd-trial' data-phase='${trial.phase}' data-index='${trial.index}' ` +
        `data-stimulus='${trial.stimulus_id}'><p class='hd-header'>${label}</p>` +
        T("trial.question") + "<div class='hd-answers'>" +
        `<button id='hd-accept' class='jspsych-btn hd-accept' disabled>${T("trial.accept")}</button>` +
        `<button id='hd-reject' class='jspsych-btn hd-reject' disabled>${T("trial.reject")}</button>` +
        "</div><p class='hd-status'></p>" +
        `<p><button id='hd-replay' class='jspsych-btn hd-small'>${T("trial.replay")}</button></p></div>`;
      // `onset`: the start of the play being answered ({ perf, audio_s, clock }), null while
      // a play has not started; answers are taken only with one.
      let plays = 0, onset = null, presentedAt = null, answered = false;
      const buttons = [el.querySelector("#hd-accept"), el.querySelector("#hd-reject")];
      const play = voicePlayer(jsPsych, el, stim.file, (started) => {
        if (answered) return;
        if (presentedAt === null) {
          presentedAt = new Date(Date.now() - (performance.now() - started.perf)).toISOString();
        }
        onset = started;
        plays += 1;
        el.querySelector(".hd-trial").dataset.plays = String(plays);
        buttons.forEach((b) => (b.disabled = false));   // the voice is sounding: answers are taken
      }, () => {
        onset = null;
        buttons.forEach((b) => (b.disabled = true));
      });
      const answer = (accept, by) => {
        if (answered || onset === null) return;
        answered = true;
        const rt = Math.round((performance.now() - onset.perf) * 10) / 10;
        jsPsych.pluginAPI.cancelAllKeyboardResponses();
        const record = {
          hd_kind: "vote", hd_phase: trial.phase, hd_trial: trial.index,
          stimulus_id: trial.stimulus_id, response: accept ? 1 : 0, rt_ms: rt, n_plays: plays,
          presented_at: presentedAt, responded_at: new Date().toISOString(), answered_by: by,
          audio_started: true, audio_clock: onset.clock,
        };
        if (onset.audio_s !== null) record.audio_onset_s = Math.round(onset.audio_s * 1e6) / 1e6;
        jsPsych.finishTrial(record);
      };
      buttons[0].addEventListener("click", () => answer(true, "button"));
      buttons[1].addEventListener("click", () => answer(false, "button"));
      el.querySelector("#hd-replay").addEventListener("click", () => { if (!answered) play(); });
      jsPsych.pluginAPI.getKeyboardResponse({
        callback_function: (info) => {
          const k = info.key.toLowerCase();
          if (k === " " || k === "r") { if (!answered) play(); }
          else answer(k === "f" || k === "arrowleft", "key:" + k);
        },
        valid_responses: ["f", "j", "arrowleft", "arrowright", " ", "r"],
        persist: true, allow_held_key: false,
      });
      play();
    }
  }
  HdVotePlugin.info = {
    name: "hd-vote", version: "1.0.0",
    parameters: {
      stimulus_id: { type: P.STRING, default: undefined },
      phase: { type: P.STRING, default: "trials" },
      index: { type: P.INT, default: 0 },
      total: { type: P.INT, default: 0 },
    },
    data: { response: { type: P.INT }, rt_ms: { type: P.FLOAT }, n_plays: { type: P.INT },
            audio_started: { type: P.BOOL }, audio_onset_s: { type: P.FLOAT },
            audio_clock: { type: P.STRING } },
  };

  // ------------------------------------------------------------------ before the trials
  // Consent, questionnaire and the headphone check each end in one record row: `hd_kind` names
  // it, `hd_record` holds its fields as JSON text (the names of the export's codebook), and the
  // end record's checksum covers that text (hd_desktop/web/records.py reads and checks it).
  function recordRow(kind, fields) {
    const data = Object.assign({}, fields, { language: STUDY.texts.language,
                                             text_sha256: STUDY.texts.sha256 });
    return { hd_kind: kind, hd_record: JSON.stringify(data) };
  }

  class HdConsentPlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el) {
      el.innerHTML =
        `<div class='hd-text hd-consent'>${T("consent.heading")}${T("consent.body")}` +
        `<p class='hd-question'><b>${T("consent.question")}</b></p><p class='hd-choices'>` +
        `<button id='hd-consent-agree' class='jspsych-btn hd-accept'>${T("consent.agree")}</button>` +
        `<button id='hd-consent-decline' class='jspsych-btn'>${T("consent.decline")}</button>` +
        "</p></div>";
      const decide = (given) => this.jsPsych.finishTrial(recordRow("consent", {
        given: given, decided_at: new Date().toISOString() }));
      el.querySelector("#hd-consent-agree").addEventListener("click", () => decide(true));
      el.querySelector("#hd-consent-decline").addEventListener("click", () => decide(false));
    }
  }
  HdConsentPlugin.info = { name: "hd-consent", version: "1.0.0", parameters: {},
                           data: { hd_record: { type: P.STRING } } };

  const QUESTIONS = [
    ["age_band", "questionnaire.age",
     ["under_20", "20_29", "30_39", "40_49", "50_59", "60_plus", "no_answer"]],
    ["hearing_problems", "questionnaire.hearing", ["no", "yes", "no_answer"]],
    ["output", "questionnaire.output", ["headphones", "loudspeakers"]],
  ];

  class HdQuestionnairePlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el) {
      const groups = QUESTIONS.map(([name, key, codes]) =>
        `<fieldset class='hd-q' data-q='${name}'><legend>${T(key)}</legend>` +
        codes.map((c) => `<label><input type='radio' name='${name}' value='${c}'> ` +
                         `${T(key + "." + c)}</label>`).join("") + "</fieldset>").join("");
      el.innerHTML =
        `<form class='hd-text hd-questionnaire' id='hd-questionnaire'>${T("questionnaire.heading")}` +
        groups + `<fieldset class='hd-q'><legend>${T("questionnaire.native_language")}</legend>` +
        "<input id='hd-native' name='native_language' autocomplete='off' size='24' " +
        `placeholder='${escapeHtml(T("questionnaire.native_language.placeholder"))}'></fieldset>` +
        "<p class='hd-status' id='hd-q-status'></p><p class='hd-choices'>" +
        `<button type='submit' id='hd-q-go' class='jspsych-btn'>${T("questionnaire.continue")}` +
        "</button></p></form>";
      const form = el.querySelector("#hd-questionnaire");
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const answers = {};
        QUESTIONS.forEach(([name]) => {
          const on = form.querySelector(`input[name='${name}']:checked`);
          answers[name] = on ? on.value : "";
        });
        answers.native_language = form.querySelector("#hd-native").value.trim();
        if (Object.values(answers).some((v) => !v)) {
          el.querySelector("#hd-q-status").innerHTML = T("questionnaire.incomplete");
          return;
        }
        answers.answered_at = new Date().toISOString();
        this.jsPsych.finishTrial(recordRow("questionnaire", answers));
      });
    }
  }
  HdQuestionnairePlugin.info = { name: "hd-questionnaire", version: "1.0.0", parameters: {},
                                 data: { hd_record: { type: P.STRING } } };

  // One trial of the headphone check: its file (three sounds) plays once; the answer (1, 2, 3,
  // by button or key) is taken when it has played to its end.
  class HdHeadphonePlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el, trial) {
      const jsPsych = this.jsPsych;
      const check = STUDY.headphone;
      const test = check.test;
      el.innerHTML =
        `<div class='hd-headphone' data-index='${trial.index}'><p class='hd-header'>` +
        `${T("headphone.progress", { n: trial.index + 1, total: check.trials.length })}</p>` +
        `<h2>${T("headphone.question." + test)}</h2><div class='hd-answers hd-three'>` +
        [1, 2, 3].map((n) => `<button id='hd-hp-${n}' class='jspsych-btn' disabled>` +
                             `${T("web.headphone.answer", { n: n })}</button>`).join("") +
        `</div><p class='hd-status'>${T("headphone.listen")}</p></div>`;
      const buttons = [1, 2, 3].map((n) => el.querySelector(`#hd-hp-${n}`));
      let ready = false, answered = false, timer = null;
      const play = voicePlayer(jsPsych, el, check.trials[trial.index].file, (onset) => {
        const left = check.sound_s * 1000 - (performance.now() - onset.perf);
        clearTimeout(timer);
        timer = setTimeout(() => {
          ready = true;
          buttons.forEach((b) => (b.disabled = false));
          el.querySelector(".hd-status").innerHTML = "";
          el.querySelector(".hd-headphone").dataset.ready = "1";
        }, Math.max(0, left) + 100);
      }, () => {});
      const answer = (n) => {
        if (!ready || answered) return;
        answered = true;
        jsPsych.pluginAPI.cancelAllKeyboardResponses();
        jsPsych.finishTrial({ hd_kind: "headphone", hd_check_trial: trial.index, answer: n });
      };
      buttons.forEach((b, i) => b.addEventListener("click", () => answer(i + 1)));
      jsPsych.pluginAPI.getKeyboardResponse({
        callback_function: (info) => answer(Number(info.key)),
        valid_responses: ["1", "2", "3"], persist: true, allow_held_key: false,
      });
      play();
    }
  }
  HdHeadphonePlugin.info = { name: "hd-headphone", version: "1.0.0",
                             parameters: { index: { type: P.INT, default: 0 } },
                             data: { answer: { type: P.INT } } };

  // Judges the check without knowing its right answers: the study holds the salted digests of
  // every set of answers that passes (hd_desktop/web/export.py `check_digest`), never the key,
  // which stays in the researcher's experiment. The import judges it again against that key.
  function checkDigest(salt, answers) { return sha256Hex(salt + ":" + answers.join(",")); }

  class HdHeadphoneResultPlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial() {
      const check = STUDY.headphone;
      const rows = this.jsPsych.data.get().filter({ hd_kind: "headphone" }).values();
      const answers = check.trials.map((t) => {
        const row = rows.filter((r) => r.hd_check_trial === t.index).pop();
        return row ? row.answer : 0;
      });
      this.jsPsych.finishTrial(recordRow("headphone_check", {
        test: check.test, n_trials: check.n_trials, answers: answers, pass_mark: check.pass_mark,
        passed: check.passing.includes(checkDigest(check.salt, answers)),
        done_at: new Date().toISOString() }));
    }
  }
  HdHeadphoneResultPlugin.info = { name: "hd-headphone-result", version: "1.0.0",
                                   parameters: {}, data: { hd_record: { type: P.STRING } } };

  // A failed check ends the study before the trials when the study says so (a failed check
  // online leaves the participant out: their trials would count for nothing).
  function screenedOut(jsPsych) {
    if (!STUDY.headphone || !STUDY.headphone.stops_on_fail) return false;
    return jsPsych.data.get().filter({ hd_kind: "headphone_check" }).values()
      .some((r) => JSON.parse(r.hd_record).passed === false);
  }

  function hasRecord(jsPsych, kind) {
    return jsPsych.data.get().filter({ hd_kind: kind }).count() > 0;
  }

  function declined(jsPsych) {
    return jsPsych.data.get().filter({ hd_kind: "consent" }).values()
      .some((r) => JSON.parse(r.hd_record).given === false);
  }

  // The record that closes the answers: how many, and their checksum (results.py checks both).
  function endRecord(jsPsych, meta) {
    const rows = jsPsych.data.get().filter({ hd_kind: "vote" }).values();
    const records = jsPsych.data.get().values().filter((r) => RECORDS.includes(r.hd_kind));
    return { hd_kind: "end", hd_rows: rows.length, hd_records: records.length,
             hd_digest: sha256Hex(digestText(meta, rows, records)) };
  }

  class HdEndPlugin {
    constructor(jsPsych) { this.jsPsych = jsPsych; }
    trial(el, trial) { this.jsPsych.finishTrial(endRecord(this.jsPsych, trial.meta)); }
  }
  HdEndPlugin.info = { name: "hd-end", version: "1.0.0",
                       parameters: { meta: { type: P.OBJECT, default: undefined } },
                       data: { hd_digest: { type: P.STRING } } };

  // ------------------------------------------------------------------ the study
  function urlParticipant() {
    const params = new URLSearchParams(window.location.search);
    const jatosParams = (window.jatos && window.jatos.urlQueryParameters) || {};
    for (const key of URL_IDS) {
      const v = (jatosParams[key] || params.get(key) || "").trim();
      if (v) return { id: v, from: key };
    }
    return null;
  }

  function askParticipant(root) {
    return new Promise((resolve) => {
      root.innerHTML =
        `<div class='hd-text'>${T("web.id.heading")}<p><input id='hd-pid' autocomplete='off' ` +
        `size='24' placeholder='${escapeHtml(T("id.placeholder"))}'></p>` +
        `<p><button id='hd-start' class='jspsych-btn'>${T("id.start")}</button></p></div>`;
      const input = root.querySelector("#hd-pid");
      const go = () => { const v = input.value.trim(); if (v) resolve({ id: v, from: "typed" }); };
      root.querySelector("#hd-start").addEventListener("click", go);
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
      input.focus();
    });
  }

  // `from`: voices of the order already answered (kept in the browser from an earlier visit);
  // `practiced`: the practice was done then. `kept()` runs after every answer and record.
  // Consent and questionnaire come first; a refused consent skips everything but the end record.
  function timeline(jsPsych, meta, fields, order, practice, from, practiced, kept) {
    const todo = order.slice(from);
    const check = STUDY.headphone && !hasRecord(jsPsych, "headphone_check") ? STUDY.headphone : null;
    const files = [STUDY.reference].concat(check ? check.trials.map((t) => t.file) : [],
      (practiced ? [] : practice).concat(todo).map((id) => byId.get(id).file));
    const first = [];
    if (STUDY.consent && !hasRecord(jsPsych, "consent")) {
      first.push({ type: HdConsentPlugin, on_finish: kept });
    }
    if (STUDY.questionnaire && !hasRecord(jsPsych, "questionnaire")) {
      first.push({ timeline: [{ type: HdQuestionnairePlugin, on_finish: kept }],
                   conditional_function: () => !declined(jsPsych) });
    }
    const t = [
      { type: jsPsychPreload, audio: files, message: `<p>${T("web.loading")}</p>`,
        show_detailed_errors: true, max_load_time: 120000 },
      { type: jsPsychInstructions, pages: [INSTRUCTIONS], show_clickable_nav: true,
        button_label_next: T("instructions.continue"), key_forward: "Enter",
        allow_backward: false, data: { hd_kind: "instructions" } },
      { type: HdLevelPlugin, file: STUDY.reference },
    ];
    const total = practice.length + order.length;
    let done = (practiced ? practice.length : 0) + from;
    const progress = { on_finish: () => { done += 1; jsPsych.progressBar.progress = done / total; kept(); } };
    t[0].on_start = () => { jsPsych.progressBar.progress = done / total; };  // a return visit's share
    const page = (html, button, kind) => ({
      type: jsPsychHtmlButtonResponse, choices: [button],
      stimulus: `<div class='hd-text'>${html}</div>`, data: { hd_kind: kind || "page" } });
    if (check) {
      t.push(page(T("headphone.heading") + T("headphone.intro." + check.test), T("headphone.start")));
      check.trials.forEach((c) => t.push({ type: HdHeadphonePlugin, index: c.index }));
      t.push({ type: HdHeadphoneResultPlugin, on_finish: kept });
    }
    const checked = t.length;   // what follows only for a participant the check let through
    if (check) t.push(page(T("headphone.done"), T("headphone.continue")));
    if (from > 0 || practiced) {
      t.push(page(T("web.welcome_back", { done: from, total: order.length }), T("web.continue")));
    }
    if (practice.length && !practiced) {
      t.push(page(T("web.practice.intro", { n: practice.length }), T("web.practice.start")));
      practice.forEach((id, i) => t.push(Object.assign(
        { type: HdVotePlugin, stimulus_id: id, phase: "practice", index: i, total: practice.length }, progress)));
      t.push(page(T("web.practice.done"), T("web.practice.done_start")));
    }
    order.forEach((id, i) => {
      if (i < from) return;
      if (i > from && STUDY.break_every && i % STUDY.break_every === 0) {
        t.push(Object.assign(page(T("break.body", { done: i, total: order.length }),
                                  T("break.continue"), "break"),
                             { on_start: () => checkpoint(jsPsych, meta, fields) }));
      }
      t.push(Object.assign({ type: HdVotePlugin, stimulus_id: id, phase: "trials", index: i,
                             total: order.length }, progress));
    });
    // Enter presses the single button of the pages between the trials.
    t.forEach((node) => {
      if (node.type === jsPsychHtmlButtonResponse) {
        node.on_load = () => {
          jsPsych.pluginAPI.getKeyboardResponse({
            callback_function: () => { const b = document.querySelector(".jspsych-html-button-response-button button, #jspsych-html-button-response-btngroup button"); if (b) b.click(); },
            valid_responses: ["enter"], persist: false, allow_held_key: false,
          });
        };
      }
    });
    return first.concat([{ timeline: [
      { timeline: t.slice(0, checked) },
      { timeline: t.slice(checked), conditional_function: () => !screenedOut(jsPsych) },
    ], conditional_function: () => !declined(jsPsych) }, { type: HdEndPlugin, meta: meta }]);
  }

  // Under JATOS the answers so far go to the server at every break, closed by an end record
  // marked unfinished: a participant who leaves mid-study keeps them. submitResultData replaces
  // what the component sent before, so the last checkpoint, or the whole study, is what stays.
  // `fields`: the study's fields every row carries (addProperties), so the end record has them too.
  function checkpoint(jsPsych, meta, fields) {
    if (!window.HD_UNDER_JATOS) return;
    const end = Object.assign({}, fields, endRecord(jsPsych, meta), { hd_complete: false });
    submit(JSON.stringify(jsPsych.data.get().values().concat([end])));
  }

  // Each submission waits for the one before (failed or not), so a slow checkpoint can never
  // land after, and replace, the whole study's results.
  let submitted = Promise.resolve();
  function submit(text) {
    submitted = submitted.catch(() => {}).then(() => window.jatos.submitResultData(text));
    return submitted;
  }

  function fileStem(meta) {
    return `hd-results-${meta.hd_study}-${meta.hd_participant.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 40)}`;
  }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // ------------------------------------------------------------------ kept in the browser
  // Every answer is also kept in the browser (localStorage, per study and participant): a
  // participant who reloads the page or comes back later goes on at the first voice not yet
  // answered instead of starting over, and one who finished can download the file again.
  // Storage that is full or blocked only loses this convenience, never the study.
  function keptKey(participant) { return `hd-desktop:${STUDY.study_id}:${participant}`; }

  function readKept(meta) {
    try {
      const kept = JSON.parse(window.localStorage.getItem(keptKey(meta.hd_participant)) || "null");
      if (kept && kept.fields && kept.fields.hd_order === meta.hd_order &&
          kept.fields.hd_practice_order === meta.hd_practice_order && Array.isArray(kept.rows)) {
        return kept;
      }
    } catch (e) { /* unreadable: start afresh */ }
    return null;
  }

  function writeKept(meta, value) {
    try {
      if (value === null) window.localStorage.removeItem(keptKey(meta.hd_participant));
      else window.localStorage.setItem(keptKey(meta.hd_participant), JSON.stringify(value));
    } catch (e) { /* full or blocked */ }
  }

  function finish(root, jsPsych, meta, fields) {
    const data = jsPsych.data.get();
    const results = { csv: data.csv(), json: data.json(), stem: fileStem(meta),
                      declined: declined(jsPsych), screened: screenedOut(jsPsych) };
    window.hdResults = results;
    if (window.HD_UNDER_JATOS) {
      root.innerHTML = "<div class='hd-text' id='hd-saving'>" + (results.declined
        ? T("web.declined.body") : results.screened ? T("web.screened.body")
          : T("web.end.saving")) + "</div>";
      submit(results.json).then(() => {
        writeKept(meta, null);
        if (!results.screened && !results.declined) return window.jatos.endStudy();
        // a refused consent or a failed check ends the run unsuccessful, saying why (JATOS
        // shows it with the result), never at the completion address; with a screen-out
        // address (Prolific's, with its code) the participant goes there
        const why = results.declined ? "declined consent" : "screened out by the headphone check";
        const away = STUDY.screen_out_url;
        return away ? window.jatos.endStudyAndRedirect(away, false, why)
          : window.jatos.endStudy(false, why);
      });
      return;
    }
    writeKept(meta, { fields: fields, rows: [], results: results });
    showResults(root, results);
    download(results.stem + ".csv", results.csv, "text/csv");
  }

  function showResults(root, results) {
    window.hdResults = results;
    const file = { file: results.stem + ".csv" };
    const away = (results.screened || results.declined) && STUDY.screen_out_url;
    root.innerHTML = `<div class='hd-text${results.declined ? " hd-declined" : ""}` +
      `${results.screened ? " hd-screened" : ""}'>` +
      (results.declined ? T("web.declined.body") + T("web.declined.file", file)
        : results.screened ? T("web.screened.body") + T("web.screened.file", file)
          : T("web.end.saved", file)) +
      `<p><button id='hd-csv' class='jspsych-btn'>${T("web.end.csv_again")}</button> ` +
      `<button id='hd-json' class='jspsych-btn'>${T("web.end.json")}</button></p>` +
      (away ? `<p><a id='hd-screen-out' class='jspsych-btn' href='${escapeHtml(away)}'>` +
              `${T("web.screened.return")}</a></p>` : "") + "</div>";
    root.querySelector("#hd-csv").addEventListener("click", () => download(results.stem + ".csv", results.csv, "text/csv"));
    root.querySelector("#hd-json").addEventListener("click", () => download(results.stem + ".json", results.json, "application/json"));
  }

  async function start() {
    const root = document.getElementById("hd-study");
    const who = urlParticipant() || (await askParticipant(root));
    const seed = fnv1a(`${STUDY.seed}:${who.id}`);
    const list = seed % STUDY.lists.length;
    const order = webOrder(STUDY.lists[list], seed);
    const practice = STUDY.practice.slice();
    const meta = {
      hd_study: STUDY.study_id, hd_experiment: STUDY.experiment_id, hd_round: STUDY.round,
      hd_participant: who.id, hd_seed: seed, hd_list: list, hd_order: order.join(","),
      hd_practice_order: practice.join(","), hd_texts_sha256: STUDY.texts.sha256,
    };
    const kept = readKept(meta);
    if (kept && kept.results && !window.HD_UNDER_JATOS) {   // finished on an earlier visit
      showResults(root, kept.results);
      return;
    }
    root.innerHTML = "";
    // a return visit carries on with the fields of the first, so every row stays alike
    const fields = kept ? kept.fields : Object.assign({}, meta, {
      hd_schema: "hd-desktop-web-results", hd_schema_version: 2, hd_study_seed: STUDY.seed,
      hd_trials_per_participant: STUDY.trials_per_participant, hd_carrier: STUDY.carrier,
      hd_id_from: who.from, hd_hosting: window.HD_UNDER_JATOS ? "jatos" : "standalone",
      hd_user_agent: navigator.userAgent, hd_app_version: STUDY.app_version,
      hd_jspsych_version: STUDY.jspsych_version,
    });
    const rows = kept ? kept.rows : [];
    const records = kept && Array.isArray(kept.records) ? kept.records : [];
    // practice answers are kept only when the practice was finished; it is done again otherwise
    const practiced = practice.length > 0 &&
      rows.filter((r) => r.hd_phase === "practice").length === practice.length;
    const restored = rows.filter((r) => r.hd_phase === "trials" || practiced);
    const from = restored.filter((r) => r.hd_phase === "trials").length;
    const jsPsych = initJsPsych({
      display_element: root, show_progress_bar: true, auto_update_progress_bar: false,
      message_progress_bar: T("web.progress"), on_finish: () => finish(root, jsPsych, meta, fields),
    });
    records.concat(restored).forEach((row) => jsPsych.data.get().push(row));
    jsPsych.data.addProperties(fields);
    // kept from the first answer on (before it, a reload starts afresh, consent included)
    const keep = () => {
      const votes = jsPsych.data.get().filter({ hd_kind: "vote" }).values();
      if (!votes.length) return;
      writeKept(meta, { fields: fields, rows: votes, records: jsPsych.data.get().values()
        .filter((r) => RECORDS.includes(r.hd_kind)) });
    };
    jsPsych.run(timeline(jsPsych, meta, fields, order, practice, from, practiced, keep));
  }

  window.hdStudy = { fnv1a, mulberry32, webOrder, sha256Hex, digestText, checkDigest, T };
  document.documentElement.lang = STUDY.texts.language;
  if (window.HD_UNDER_JATOS) window.jatos.onLoad(start);
  else if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
