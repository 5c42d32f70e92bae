// Takes an exported study in headless Firefox (Debian's firefox-esr), driven by puppeteer-core
// over WebDriver BiDi, as tests/helpers/browser.py's complete_study does in Chromium: keys for
// the pages, F for every voice. Prints one JSON line:
//   {"outcome": "no-sound", "text": ..., "clocks": ..., "kept": ..., "moved_on": false}
//     the study said the browser plays no sound (after keys and a click that try to go on), or
//   {"outcome": "end", "results": <the page's results JSON>}.
//
//   NODE_PATH=DIR/node_modules node tests/helpers/firefox_study.cjs URL STUDY_ID PARTICIPANT [CHECK]
// CHECK: the headphone check's answers, e.g. 1,3,2,2,1,3 (the page does not know the right ones).
const puppeteer = require("puppeteer-core");

const [url, studyId, participant, check] = process.argv.slice(2);
const checkAnswers = (check || "").split(",");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const NEXT = `(() => {
  if (document.getElementById('hd-csv')) return 'end';
  if (document.getElementById('hd-no-sound')) return 'no-sound';
  if (document.getElementById('hd-consent-agree')) return 'consent';
  if (document.getElementById('hd-questionnaire')) return 'questionnaire';
  if (document.querySelector('.hd-headphone[data-ready]')) return 'headphone';
  if (document.querySelector('.jspsych-instructions-nav button')) return 'instructions';
  if (document.getElementById('hd-play')) return 'level';
  const accept = document.getElementById('hd-accept');
  if (document.querySelector('.hd-trial') && accept && !accept.disabled) return 'trial';
  if (document.querySelector('#jspsych-html-button-response-btngroup button')) return 'page';
  return null;
})()`;

async function waitFor(page, expr, seconds, what) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const value = await page.evaluate(expr);
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`waited ${seconds} s for ${what}`);
}

async function main() {
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath: process.env.HD_FIREFOX || "/usr/bin/firefox-esr",
    headless: true, protocol: "webDriverBiDi",
  });
  try {
    const page = await browser.newPage();
    if (process.env.HD_DEBUG) page.on("console", (m) => console.error("console:", m.text()));
    await page.goto(url);
    for (;;) {
      const kind = await waitFor(page, NEXT, 60, "the next page of the study");
      if (kind === "end") {
        return { outcome: "end", results: JSON.parse(await page.evaluate("window.hdResults.json")) };
      }
      if (kind === "no-sound") {
        for (const key of ["Enter", "f", "j"]) await page.keyboard.press(key);
        await page.evaluate("document.getElementById('hd-go') && document.getElementById('hd-go').click()");
        await sleep(300);
        return {
          outcome: "no-sound",
          text: await page.evaluate("document.getElementById('hd-no-sound').innerText"),
          moved_on: await page.evaluate("!!document.querySelector('.hd-trial') || " +
                                        "!document.getElementById('hd-play')"),
          go_disabled: await page.evaluate("document.getElementById('hd-go').disabled"),
          kept: await page.evaluate(`localStorage.getItem(${JSON.stringify(
            `hd-desktop:${studyId}:${participant}`)})`),
        };
      }
      if (kind === "consent") {
        await page.evaluate("document.getElementById('hd-consent-agree').click()");
        await waitFor(page, "!document.getElementById('hd-consent-agree')", 10, "consent");
      } else if (kind === "questionnaire") {
        await page.evaluate(`(() => {
          for (const name of ['age_band', 'hearing_problems', 'output'])
            document.querySelector("input[name='" + name + "']").click();
          document.getElementById('hd-native').value = 'English';
          document.getElementById('hd-q-go').click(); })()`);
        await waitFor(page, "!document.getElementById('hd-questionnaire')", 10, "questionnaire");
      } else if (kind === "headphone") {
        const index = await page.evaluate("document.querySelector('.hd-headphone').dataset.index");
        await page.keyboard.press(checkAnswers[Number(index)] || "1");
        await waitFor(page, "!document.querySelector('.hd-headphone') || document.querySelector(" +
                            `'.hd-headphone').dataset.index !== ${JSON.stringify(index)}`, 10, "check");
      } else if (kind === "instructions") {
        await page.keyboard.press("Enter");
        await waitFor(page, "!document.querySelector('.jspsych-instructions-nav button')", 10, "instructions");
      } else if (kind === "level") {
        await page.keyboard.press(" ");
        await waitFor(page, "!document.getElementById('hd-go').disabled || " +
                            "!!document.getElementById('hd-no-sound')", 10, "the reference voice");
        if (await page.evaluate("!document.getElementById('hd-go').disabled")) {
          await page.keyboard.press("Enter");
          await waitFor(page, "!document.getElementById('hd-play')", 10, "the level page to close");
        }
      } else if (kind === "page") {
        const text = await page.evaluate("document.querySelector('.jspsych-content').innerText");
        await page.keyboard.press("Enter");
        await waitFor(page, `!document.querySelector('.jspsych-content') || document.querySelector(` +
                            `'.jspsych-content').innerText !== ${JSON.stringify(text)}`, 10, "the page to close");
      } else {
        const at = await page.evaluate("JSON.stringify(document.querySelector('.hd-trial').dataset)");
        await sleep(100);
        await page.keyboard.press("f");
        await waitFor(page, `!document.querySelector('.hd-trial') || JSON.stringify(document.querySelector(` +
                            `'.hd-trial').dataset) !== ${JSON.stringify(at)}`, 10, "the next trial");
      }
    }
  } finally {
    await browser.close();
  }
}

main().then((out) => { console.log(JSON.stringify(out)); },
            (err) => { console.error(String(err && err.stack || err)); process.exit(1); });
