// shoot.js IN OUT.png [--width W] [--height H] [--full] [--click N [--center]] [--tab ID] [--text TITLE]
// A screenshot in headless Debian Chromium, for the docs
// (scripts/docs-screenshots.sh).  IN is a page or an SVG opened as a file://
// URL; with --text, IN is a text file (a terminal rendering) shown as a
// terminal would, under TITLE.  --click N clicks segment N of a ladder page
// first so its details panel is filled (--center: and scrolls it to the
// middle of the window; the panel stays in view).  --tab ID then shows the
// page's view ID (tseq, cwnd, rtt: the tab "tab-ID") at the top of the
// window.  Anything but file:// is refused.
'use strict';
const fs = require('fs');
const path = require('path');
const { launch, clickArrow } = require('./chromium');

const args = process.argv.slice(2);
const opt = { width: 1280, height: 900, full: false, click: null, center: false, tab: null, text: null };
const pos = [];
for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--width') opt.width = Number(args[++i]);
    else if (a === '--height') opt.height = Number(args[++i]);
    else if (a === '--full') opt.full = true;
    else if (a === '--click') opt.click = args[++i];
    else if (a === '--center') opt.center = true;
    else if (a === '--tab') opt.tab = args[++i];
    else if (a === '--text') opt.text = args[++i];
    else pos.push(a);
}
const [input, output] = pos;
// An SVG is shot at its own size (Chromium's full-page capture of a bare
// SVG document does not finish).
if (/\.svg$/i.test(input)) {
    const head = fs.readFileSync(input, 'utf8').slice(0, 2000);
    const w = head.match(/<svg[^>]*\swidth="(\d+)/), h = head.match(/<svg[^>]*\sheight="(\d+)/);
    if (w && h) {
        opt.width = Number(w[1]);
        opt.height = Number(h[1]);
        opt.full = false;
    }
}

function escape(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

(async () => {
    const { browser, close } = await launch();
    try {
        const context = await browser.newContext({ viewport: { width: opt.width, height: opt.height } });
        await context.route(/^(?!file:)/, (route) => route.abort());
        const page = await context.newPage();
        const errors = [];
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        page.on('pageerror', (e) => errors.push(e.message));
        if (opt.text !== null) {
            const text = fs.readFileSync(input, 'utf8');
            await page.setContent(`<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#1e1e1e;display:inline-block}
.bar{background:#3c3c3c;color:#ccc;font:13px system-ui,sans-serif;padding:6px 12px}
pre{margin:0;padding:12px 16px;color:#e5e5e5;font:13px/1.25 'DejaVu Sans Mono',monospace}
</style><div class="bar">${escape(opt.text)}</div><pre>${escape(text)}</pre>`);
            const box = await page.locator('body').boundingBox();
            await page.screenshot({ path: output, clip: { x: 0, y: 0, width: Math.ceil(box.width), height: Math.ceil(box.height) } });
        } else {
            await page.goto('file://' + path.resolve(input));
            if (opt.click !== null) {
                const arrow = page.locator(`#diagram g.segment[data-n="${opt.click}"]`);
                await clickArrow(arrow);
                await page.mouse.move(0, 0);
                if (opt.center)
                    await arrow.evaluate((g) => g.scrollIntoView({ block: 'center' }));
                else
                    await page.evaluate(() => window.scrollTo(0, 0));
            }
            if (opt.tab !== null) {
                await page.locator('#tab-' + opt.tab).click();
                await page.mouse.move(0, 0);
                await page.evaluate(() => window.scrollTo(0, 0));
            }
            await page.screenshot({ path: output, fullPage: opt.full });
        }
        if (errors.length) {
            console.error('errors on the page: ' + errors.join('; '));
            process.exitCode = 1;
        }
    } finally {
        await close();
    }
})().catch((e) => { console.error(e); process.exit(1); });
