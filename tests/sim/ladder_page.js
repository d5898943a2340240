// ladder_page.js PAGE SEGMENT — runs the script of a ladder HTML page
// against a small stand-in for the DOM (no browser needed), then clicks
// segment number SEGMENT and prints what the details panel shows, one
// "row: value" a line, then "band opened" for each band a click opened.
// Any exception the page's script throws fails the run.
'use strict';
const fs = require('fs');

const page = fs.readFileSync(process.argv[2], 'utf8');
const want = process.argv[3];
const data = page.match(/<script type="application\/json" id="ladder-data">([\s\S]*?)<\/script>/)[1];
const script = page.match(/<script>\n([\s\S]*?)<\/script>/)[1];

class Element {
    constructor(tag, attrs) {
        this.tagName = tag;
        this.attrs = attrs || {};
        this.children = [];
        this.listeners = {};
        this.textContent = '';
        this.hidden = false;
        this.open = false;
        const set = new Set();
        this.classList = { add: (c) => set.add(c), remove: (c) => set.delete(c), contains: (c) => set.has(c) };
    }
    getAttribute(name) { return name in this.attrs ? this.attrs[name] : null; }
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
    appendChild(c) { this.children.push(c); return c; }
    removeChild(c) { this.children.splice(this.children.indexOf(c), 1); return c; }
    get firstChild() { return this.children[0] || null; }
    scrollIntoView() {}
    fire(type, extra) {
        for (const fn of this.listeners[type] || [])
            fn(Object.assign({ key: '', preventDefault() {} }, extra || {}));
    }
}

const segments = [...page.matchAll(/<g class="segment [^"]*"[^>]* data-n="(\d+)"/g)]
    .map((m) => new Element('g', { 'data-n': m[1] }));
const bands = [...page.matchAll(/<g class="band" data-band="(\d+)"[^>]* id="b\d+"/g)]
    .map((m) => new Element('g', { 'data-band': m[1] }));
const byId = {
    'ladder-data': Object.assign(new Element('script'), { textContent: data }),
    'detail-body': new Element('div'),
    'detail-hint': new Element('p'),
};
for (const m of page.matchAll(/<details id="(band-\d+)">/g))
    byId[m[1]] = new Element('details');

const document = {
    getElementById: (id) => byId[id] || null,
    createElement: (tag) => new Element(tag),
    querySelectorAll: (sel) => (sel.startsWith('g.segment') ? segments : sel.includes('g.band') ? bands : []),
    addEventListener: () => {},
};
new Function('document', script)(document);

const target = segments.find((g) => g.getAttribute('data-n') === want);
if (!target)
    throw new Error('no segment ' + want + ' in the page');
target.fire('click');
if (!target.classList.contains('pinned') || !byId['detail-hint'].hidden)
    throw new Error('a click does not pin the segment');
const body = byId['detail-body'];
for (const el of body.children) {
    if (el.tagName === 'table') {
        for (const tr of el.children)
            console.log(tr.children[0].textContent + ': ' + tr.children[1].textContent);
    } else {
        console.log(el.tagName + ': ' + el.textContent);
    }
}
for (const b of bands) {
    b.fire('click');
    if (byId['band-' + b.getAttribute('data-band')].open)
        console.log('band opened');
}
