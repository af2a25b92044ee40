// bench/viewers.mjs: figures of the compare page (issue 10), in headless
// Chromium on the fixture of tests/blackbox/t65-viewers.sh (static tiles
// served by lighttpd on 127.0.0.1). Run by bench/viewers; by hand:
//
//   VT_IDS='{"visible":..,"infrared":..,"raking":..,"uv":..}' node bench/viewers.mjs http://127.0.0.1:PORT
//
// Env: RUNS=10 (page loads per figure).
//
// 1. First tiles: from navigation start to the frame in which every viewer
//    of compare.html (4 images, sync) has drawn at least one tile, in a
//    fresh browser context (empty cache) each run; the peer, measured in
//    the same run, interleaved, is the same page with one image (the
//    largest of the four). Median and p90, and the ratio.
// 2. Sync latency: 60 drags and wheel turns on one viewer; for every frame
//    in which the leader's view changed, the number of frames until each
//    follower drew that same view (0: the same frame). The frame of an
//    event is document.timeline.currentTime, the same for every callback
//    of one frame.
import { chromium } from 'playwright-core';

const base = (process.argv[2] || '').replace(/\/+$/, '');
const ids = JSON.parse(process.env.VT_IDS || '{}');
const RUNS = Number(process.env.RUNS || 10);
if (!/^https?:\/\/[^/]+$/.test(base) || !ids.visible) {
  console.error('usage: VT_IDS=... node bench/viewers.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const four = [ids.visible, ids.infrared, ids.raking, ids.uv];

/* Injected before the page's scripts: records the frame time at which
 * every OpenSeadragon viewer on the page has drawn a tile. */
const FIRST_TILES = (want) => {
  window.__firstTiles = null;
  const drawn = new Set(), hooked = new Set();
  const tick = () => {
    const C = window.vitrineCompare;
    const viewers = C ? C.viewers().filter(Boolean) : [];
    // Every viewer is hooked in the frame it appears: its first tile needs
    // two requests (info.json, a tile), so none is drawn before that.
    viewers.forEach((v) => {
      if (!hooked.has(v)) {
        hooked.add(v);
        v.addHandler('tile-drawn', () => drawn.add(v));
      }
    });
    if (drawn.size >= want) {
      window.__firstTiles = performance.now();
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

function quantile(v, q) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

const browser = await chromium.launch({executablePath: '/usr/bin/chromium'});

async function firstTiles(url, viewers) {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  await page.addInitScript(FIRST_TILES, viewers);
  await page.goto(url);
  await page.waitForFunction(() => window.__firstTiles !== null, null, {timeout: 30000});
  const ms = await page.evaluate(() => window.__firstTiles);
  await context.close();
  return ms;
}

const compare = `${base}/compare.html#ids=${four.join(',')}&mode=sync`;
const single = `${base}/compare.html#ids=${ids.visible}&mode=sync`;
const t4 = [], t1 = [];
await firstTiles(compare, 4);   // warm-up (server, disk cache)
await firstTiles(single, 1);
for (let i = 0; i < RUNS; i++) {
  t4.push(await firstTiles(compare, 4));
  t1.push(await firstTiles(single, 1));
}
console.log(`# bench/viewers: ${RUNS} runs each, headless Chromium, static tiles on ${base}`);
console.log(`first tiles, compare (4 viewers): median ${quantile(t4, 0.5).toFixed(0)} ms, p90 ${quantile(t4, 0.9).toFixed(0)} ms`);
console.log(`first tiles, compare (1 viewer): median ${quantile(t1, 0.5).toFixed(0)} ms, p90 ${quantile(t1, 0.9).toFixed(0)} ms`);
console.log(`ratio 4 viewers / 1 viewer (median): ${(quantile(t4, 0.5) / quantile(t1, 0.5)).toFixed(2)}`);

/* Sync latency. */
const context = await browser.newContext({viewport: {width: 1280, height: 900}});
const page = await context.newPage();
await page.goto(compare);
await page.waitForFunction(() => document.querySelector('.page.compare')?.hasAttribute('data-ready'));
await page.evaluate(() => {
  const C = window.vitrineCompare;
  const vs = C.viewers().filter(Boolean);
  const key = (v) => JSON.stringify(v.viewport.getBounds(true));
  window.__leads = [];      // {frame, view}
  window.__draws = [];      // {viewer, frame, view}
  window.__frames = [];
  const count = (t) => { window.__frames.push(t); requestAnimationFrame(count); };
  requestAnimationFrame(count);
  vs[0].addHandler('viewport-change', () => {
    window.__leads.push({frame: document.timeline.currentTime, view: key(vs[0])});
  });
  vs.slice(1).forEach((v, i) => {
    const draw = v.world.draw.bind(v.world);
    v.world.draw = function () {
      window.__draws.push({viewer: i + 1, frame: document.timeline.currentTime, view: key(v)});
      return draw();
    };
  });
});
const box = await page.locator('.compare-panel').first().boundingBox();
const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
for (let i = 0; i < 60; i++) {
  await page.mouse.move(cx, cy);
  if (i % 5 === 4) {
    await page.mouse.wheel(0, i % 10 === 4 ? -150 : 150);
  } else {
    await page.mouse.down();
    await page.mouse.move(cx + (i % 2 ? 40 : -40), cy + (i % 3 ? 25 : -25), {steps: 4});
    await page.mouse.up();
  }
}
await page.waitForTimeout(2500);
const r = await page.evaluate(() => ({leads: window.__leads, draws: window.__draws, frames: window.__frames}));
const deltas = r.frames.slice(1).map((t, i) => t - r.frames[i]).filter((d) => d > 0);
const frameMs = quantile(deltas, 0.5);
const lat = [];
let unmatched = 0;
for (const lead of r.leads)
  for (let v = 1; v < 4; v++) {
    const d = r.draws.find((x) => x.viewer === v && x.view === lead.view && x.frame >= lead.frame);
    if (d)
      lat.push(Math.round((d.frame - lead.frame) / frameMs));
    else
      unmatched++;
  }
const same = lat.filter((x) => x === 0).length;
console.log(`sync latency: ${r.leads.length} leader frames x 3 followers, frame ${frameMs.toFixed(1)} ms: ` +
            `same frame ${same}/${lat.length}, median ${quantile(lat, 0.5)} frames, max ${Math.max(...lat)} frames` +
            (unmatched ? `, ${unmatched} views never drawn by a follower` : ''));
console.log(`goal (same frame): ${same === lat.length && unmatched === 0 ? 'met' : 'NOT met'}`);
await browser.close();
