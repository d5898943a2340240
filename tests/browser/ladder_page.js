// ladder_page.js PAGE.html SHOT.png — opens a ladder page written by
// `synack sim --html` in headless Chromium (file:// only) and checks it:
//
//   - a screenshot of the page is not blank (colours decoded from the PNG);
//   - clicking a retransmitted segment's arrow pins it and the details panel
//     shows its label, seq and ack;
//   - clicking a summarised band in the diagram opens its expanded drawing,
//     whose arrows are then visible and give their details too;
//   - the plots beside the diagram: a tab each for the time-sequence graph,
//     congestion window and RTT; each tab shows its plot (an SVG of a real
//     size, with its data drawn: bars, lines, dots) and hides the diagram,
//     ArrowRight moves to the next tab, and the "Ladder diagram" tab brings
//     the diagram back; an arrow clicked in the diagram puts a time cursor
//     on the plots at its send time, inside the plot area;
//   - no console errors or uncaught exceptions, and no request for anything
//     but the page itself (any other request is refused and counted).
//
// Prints one line per failed check, then "N passed, N failed".
'use strict';
const path = require('path');
const fs = require('fs');
const { launch, readPng, colourStats, clickArrow } = require('./chromium');

const pagePath = path.resolve(process.argv[2]);
const shotPath = process.argv[3];
const pageUrl = 'file://' + pagePath;
let passed = 0, failed = 0;
function check(ok, what, detail) {
    if (ok) {
        passed++;
    } else {
        failed++;
        console.log('FAILED: ' + what + (detail !== undefined ? '\n  got: ' + detail : ''));
    }
}

async function panelText(page) {
    return (await page.locator('#detail-body').innerText()).replace(/\s+/g, ' ');
}

// clickAndRead(page, arrow): click the arrow, then check the panel shows its
// label and its seq and ack (the page's data attributes are relative numbers).
async function clickAndRead(page, arrow, what) {
    const n = await arrow.getAttribute('data-n');
    const seq = await arrow.getAttribute('data-seq');
    const ack = await arrow.getAttribute('data-ack');
    const label = (await arrow.locator('text.label').first().textContent()).trim();
    await clickArrow(arrow);
    const cls = await arrow.getAttribute('class');
    check(/\bpinned\b/.test(cls), `${what}: a click pins segment #${n}`, cls);
    check(await page.locator('#detail-hint').isHidden(), `${what}: the hint gives way to the details`);
    const text = await panelText(page);
    check(text.includes('#' + n + ' '), `${what}: the panel is about segment #${n}`, text.slice(0, 200));
    check(text.includes(label), `${what}: the panel shows the label "${label}"`, text.slice(0, 300));
    check(new RegExp('seq \\d+ \\(relative ' + seq + '\\)').test(text),
        `${what}: the panel shows seq (relative ${seq})`, text.slice(0, 400));
    if (ack !== null)
        check(new RegExp('ack \\d+ \\(relative ' + ack + '\\)').test(text),
            `${what}: the panel shows ack (relative ${ack})`, text.slice(0, 400));
    return { n, text };
}

// The plots in their tabs, and the time cursor of a pinned arrow.
async function checkPlots(page) {
    const tabs = page.locator('#view-tabs button[role=tab]');
    check(await page.locator('#view-tabs').isVisible(), 'the tabs are shown');
    check(await tabs.count() === 4, 'four tabs: the diagram and three plots', await tabs.count());
    check(await page.locator('#tab-ladder').getAttribute('aria-selected') === 'true', 'the diagram\'s tab is selected first');
    check(!(await page.locator('#view-tseq svg.plot').isVisible()), 'the plots are hidden while the diagram shows');

    // Pin an arrow (a retransmission, as above): the cursor goes to its send time.
    let arrow = page.locator('#diagram g.segment.retransmission[data-n]').first();
    if (await arrow.count() === 0)
        arrow = page.locator('#diagram g.segment.data[data-n]').first();
    const sent = Number(await arrow.getAttribute('data-sent'));
    const n = await arrow.getAttribute('data-n');
    await clickArrow(arrow);

    const views = { tseq: ['data segment', 'line.bar'], cwnd: ['cwnd', 'polyline'], rtt: ['RTT sample (data to its ACK, Karn)', 'circle'] };
    for (const [id, [series, mark]] of Object.entries(views)) {
        await page.locator('#tab-' + id).click();
        const svg = page.locator(`#view-${id} svg.plot`).first();
        check(await svg.isVisible(), `the ${id} tab shows its plot`);
        check(!(await page.locator('#diagram').isVisible()), `the ${id} tab hides the diagram`);
        check(await page.locator('#tab-' + id).getAttribute('aria-selected') === 'true', `the ${id} tab is selected`);
        const box = await svg.boundingBox();
        check(box && box.width >= 400 && box.height >= 200, `the ${id} plot has a real size`, box && `${box.width}x${box.height}`);
        const drawn = await svg.locator(`g.series[data-series="${series}"] ${mark}`).count();
        check(drawn > 0, `the ${id} plot draws its "${series}" data`, drawn);
        const cursor = svg.locator('g.cursor');
        check(await cursor.count() === 1 && await cursor.getAttribute('visibility') === 'visible',
            `the ${id} plot has a time cursor for the pinned arrow`);
        if (await cursor.count() === 1) {
            check(Number(await cursor.getAttribute('data-t')) === sent && await cursor.getAttribute('data-n') === n,
                `the ${id} cursor is at segment #${n}'s send time ${sent}`, await cursor.getAttribute('data-t'));
            const frame = svg.locator('rect.frame');
            const fx = Number(await frame.getAttribute('x')), fw = Number(await frame.getAttribute('width'));
            const x0 = Number(await frame.getAttribute('data-x-min')), x1 = Number(await frame.getAttribute('data-x-max'));
            const cx = Number(await cursor.locator('line').getAttribute('x1'));
            check(Math.abs(cx - (fx + (sent - x0) / (x1 - x0) * fw)) < 0.5 && cx >= fx && cx <= fx + fw,
                `the ${id} cursor is drawn at that time on the axis`, cx);
        }
    }
    // The keyboard: ArrowRight from the last tab wraps to the first.
    await page.locator('#tab-rtt').focus();
    await page.keyboard.press('ArrowRight');
    check(await page.locator('#tab-ladder').getAttribute('aria-selected') === 'true', 'ArrowRight moves to the next tab');
    check(await page.locator('#diagram').isVisible() && await arrow.isVisible(), 'the diagram is back');
    await page.keyboard.press('Escape');
    check(await page.locator('#view-tseq g.cursor').getAttribute('visibility') === 'hidden', 'Escape takes the cursor away');
}

async function main() {
    const { browser, close } = await launch();
    const errors = [];
    const foreign = [];
    try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        // Anything but file:// is refused before it leaves the browser.
        await context.route(/^(?!file:)/, (route) => route.abort());
        const page = await context.newPage();
        page.on('console', (msg) => { if (msg.type() === 'error') errors.push('console: ' + msg.text()); });
        page.on('pageerror', (err) => errors.push('exception: ' + err.message));
        page.on('request', (req) => { if (req.url() !== pageUrl) foreign.push(req.url()); });

        const response = await page.goto(pageUrl, { waitUntil: 'load' });
        check(response === null || response.ok(), 'the page loads', response && response.status());
        const arrows = page.locator('#diagram g.segment[data-n]');
        check(await arrows.count() > 0, 'the diagram has arrows');

        // Screenshot, decoded: a blank page has one colour.
        const png = await page.screenshot({ path: shotPath });
        const img = readPng(png);
        const stats = colourStats(img);
        check(img.width === 1280 && img.height === 900, 'the screenshot is 1280x900', `${img.width}x${img.height}`);
        check(stats.distinct >= 16, 'the screenshot is not blank: at least 16 colours', stats.distinct);
        check(stats.inked >= 0.02, 'the screenshot is not blank: at least 2% of it drawn', stats.inked.toFixed(4));

        // A retransmission (else any data segment) in the main diagram.
        let arrow = page.locator('#diagram g.segment.retransmission[data-n]').first();
        if (await arrow.count() === 0)
            arrow = page.locator('#diagram g.segment.data[data-n]').first();
        check(await arrow.count() === 1, 'the diagram has a data segment to click');
        if (await arrow.count() === 1)
            await clickAndRead(page, arrow, 'retransmission');

        // A lost segment: the panel says it never arrived.
        const lost = page.locator('#diagram g.segment.lost[data-n]').first();
        if (await lost.count() === 1) {
            await clickArrow(lost);
            const text = await panelText(page);
            check(text.includes('never (lost)'), 'a lost segment\'s panel says it never arrived', text.slice(0, 300));
        }

        // A band: clicking it in the diagram opens its expanded drawing.
        const band = page.locator('#diagram g.band').first();
        if (await band.count() === 1) {
            const id = await band.getAttribute('data-band');
            const details = page.locator('#band-' + id);
            check(!(await details.evaluate((d) => d.open)), `band ${id} starts collapsed`);
            const inside = details.locator('g.segment[data-n]');
            const count = await inside.count();
            check(count === Number(await band.getAttribute('data-count')),
                `band ${id}'s drawing has its ${await band.getAttribute('data-count')} arrows`, count);
            check(!(await inside.first().isVisible()), `band ${id}'s arrows are hidden while collapsed`);
            // Arrows in flight across the band (sent before it, arriving
            // after) are cut where they cross it: nothing covers its middle,
            // so a click there reaches the band (Playwright refuses to
            // click where another element would take the click).
            await band.click();
            check(await details.evaluate((d) => d.open), `clicking band ${id} opens it`);
            check(await inside.first().isVisible(), `band ${id}'s arrows are visible once opened`);
            const middle = inside.nth(Math.floor(count / 2));
            await clickAndRead(page, middle, `band ${id}`);
            await page.keyboard.press('Escape');
        } else {
            console.log('(the page has no band to expand)');
        }

        await checkPlots(page);

        check(errors.length === 0, 'no console errors or exceptions', errors.join('; '));
        check(foreign.length === 0, 'no request but the page itself', foreign.join(' '));
        await context.close();
    } finally {
        await close();
    }
}

main().then(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}, (err) => {
    console.log('FAILED: ' + (err && err.stack || err));
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
});
