// chromium.js — what the browser tests and the docs' screenshots share:
// Debian's Chromium started by playwright-core (never a downloaded browser),
// with no network of its own, a small PNG reader for the screenshots, and
// a click on a ladder arrow that hits the arrow.
'use strict';
const path = require('path');
const zlib = require('zlib');

function loadPlaywright() {
    // tests/browser/node_modules (npm install --prefix tests/browser), else NODE_PATH.
    try {
        return require(path.join(__dirname, 'node_modules', 'playwright-core'));
    } catch (e) {
        return require('playwright-core');
    }
}

// launch(): { browser, close() }.  playwright-core gives Chromium a new,
// empty profile of its own (--user-data-dir in a temporary directory) each
// time and removes it at close.
async function launch() {
    const { chromium } = loadPlaywright();
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
    });
    return {
        browser,
        async close() {
            await browser.close();
        },
    };
}

// readPng(buffer): { width, height, channels, pixels } for the 8-bit,
// non-interlaced RGB or RGBA PNGs Chromium writes.
function readPng(buf) {
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    if (buf.length < 8 || !buf.subarray(0, 8).equals(sig))
        throw new Error('not a PNG');
    let off = 8, width = 0, height = 0, depth = 0, type = 0, interlace = 0;
    const idat = [];
    while (off + 8 <= buf.length) {
        const len = buf.readUInt32BE(off);
        const kind = buf.toString('latin1', off + 4, off + 8);
        const body = buf.subarray(off + 8, off + 8 + len);
        if (kind === 'IHDR') {
            width = body.readUInt32BE(0);
            height = body.readUInt32BE(4);
            depth = body[8];
            type = body[9];
            interlace = body[12];
        } else if (kind === 'IDAT') {
            idat.push(body);
        } else if (kind === 'IEND') {
            break;
        }
        off += 12 + len;
    }
    const channels = type === 6 ? 4 : type === 2 ? 3 : 0;
    if (depth !== 8 || !channels || interlace)
        throw new Error(`PNG of depth ${depth}, colour type ${type}, interlace ${interlace}: not read here`);
    const raw = zlib.inflateSync(Buffer.concat(idat));
    const stride = width * channels;
    const pixels = Buffer.alloc(stride * height);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        const out = pixels.subarray(y * stride, (y + 1) * stride);
        const prev = y ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
        for (let x = 0; x < stride; x++) {
            const a = x >= channels ? out[x - channels] : 0;
            const b = prev[x];
            const c = x >= channels ? prev[x - channels] : 0;
            let v = line[x];
            if (filter === 1) v += a;
            else if (filter === 2) v += b;
            else if (filter === 3) v += (a + b) >> 1;
            else if (filter === 4) {
                const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
                v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            } else if (filter !== 0) {
                throw new Error('bad PNG filter ' + filter);
            }
            out[x] = v & 0xff;
        }
    }
    return { width, height, channels, pixels };
}

// colourStats(png): distinct colours, and the share of pixels that differ
// from the most common one (the background).
function colourStats(png) {
    const counts = new Map();
    const { pixels, channels } = png;
    for (let i = 0; i < pixels.length; i += channels) {
        const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
        counts.set(key, (counts.get(key) || 0) + 1);
    }
    let top = 0;
    for (const n of counts.values()) top = Math.max(top, n);
    const total = pixels.length / channels;
    return { distinct: counts.size, inked: (total - top) / total };
}

// clickArrow(arrow): clicks a ladder segment (a playwright locator
// of its <g class="segment">) on its arrow, at the first point along the
// line, from the middle out, where nothing else is drawn over it: the
// middle of the group's box may miss a thin slanted line, or fall on a
// crossing arrow.
async function clickArrow(arrow) {
    await arrow.scrollIntoViewIfNeeded();
    const point = await arrow.evaluate((g) => {
        const line = g.querySelector('line.arrow') || g.querySelector('line');
        if (!line)
            return null;
        const ctm = line.getScreenCTM();
        const svg = line.ownerSVGElement;
        const at = (t) => {
            const p = svg.createSVGPoint();
            p.x = line.x1.baseVal.value + t * (line.x2.baseVal.value - line.x1.baseVal.value);
            p.y = line.y1.baseVal.value + t * (line.y2.baseVal.value - line.y1.baseVal.value);
            return p.matrixTransform(ctm);
        };
        for (let k = 0; k <= 16; k++) {
            const t = 0.5 + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.05;
            const p = at(t);
            const x = Math.round(p.x), y = Math.round(p.y);   /* where a mouse can be */
            const top = document.elementFromPoint(x, y);
            if (top && top.closest('g.segment') === g)
                return { x, y };
        }
        return null;
    });
    if (point)
        await arrow.page().mouse.click(point.x, point.y);   /* the viewport's coordinates */
    else
        await arrow.click();
}

module.exports = { loadPlaywright, launch, readPng, colourStats, clickArrow };
