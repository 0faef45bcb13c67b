// bench-explore-page.mjs - mlv-explore's page in headless chromium:
//   node bench/bench-explore-page.mjs PAGE_100K.html PAGE_1M.html
// prints, for the page drawn with WebGL2 (SwiftShader, chromium's software
// GL) and with its 2-D canvas fallback (WebGL forced off): time to first
// frame (from navigation start: parsing, decoding the data, the grid index,
// the first draw), pan and zoom frame times (median of 15, GPU finished) of
// the whole map (a density image) and zoomed in until points are drawn,
// a lasso around all points (the selection and the maps' new colours; the
// panels follow), a hover lookup (mean of 20,000); and beside
// them one frame of a plain 2-D canvas loop drawing every point (fillRect,
// colour per label), as a page without level of detail would.
// Goals (issue 13): 100k first frame < 1 s; 1M first frame < 3 s, pan/zoom
// frame < 50 ms, lasso < 300 ms, hover < 1 ms.
import { launch, openPage, withoutWebGL } from '../tests/browser/harness.mjs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const pages = process.argv.slice(2);
const median = xs => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const fmt = ms => ms.toFixed(ms < 1 ? 4 : 1).padStart(9) + ' ms';
const row = (what, ms, goal, best) => console.log(what.padEnd(58) + fmt(ms) +
	(best !== undefined ? ', best' + fmt(best) : '') +
	(goal ? (ms < goal ? '   (goal < ' + goal + ' ms: met)' : '   (goal < ' + goal + ' ms: MISSED)') : ''));

async function measure(browser, file, fallback, full) {
	const page = await openPage(browser, pathToFileURL(path.resolve(file)).href, { width: 1200, height: 800, init: fallback ? withoutWebGL : null });
	await page.waitForFunction(() => window.mlvExplore && window.mlvExplore.ready, null, { timeout: 120000 });
	const info = await page.evaluate(() => {
		const x = window.mlvExplore, gl = document.createElement('canvas').getContext('webgl2');
		const dbg = gl && gl.getExtension('WEBGL_debug_renderer_info');
		return { n: x.data.n, renderer: x.renderer(0), lod: x.lod(0), first: x.timing.firstFrameMs,
			gl: gl ? gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : 'none' };
	});
	const tag = info.n.toLocaleString('en') + ' points, ' + (info.renderer === 'webgl2' ? 'WebGL2' : '2-D fallback');
	if (!fallback && !full) console.log('GL: ' + info.gl);
	row(tag + ': first frame', info.first, info.n >= 1e6 ? 3000 : 1000);
	if (full) {
		const pan = [], zoom = [];
		for (let k = 0; k < 15; k++) pan.push(await page.evaluate(k => window.mlvExplore.benchFrame(0, k % 2 ? 25 : -25, 0, 1), k));
		for (let k = 0; k < 15; k++) zoom.push(await page.evaluate(k => window.mlvExplore.benchFrame(0, 0, 0, k % 2 ? 1 / 1.2 : 1.2), k));
		row(tag + ': pan frame (' + (await page.evaluate(() => window.mlvExplore.lod(0))) + '), median', median(pan), 50, Math.min(...pan));
		row(tag + ': zoom frame, median', median(zoom), 50, Math.min(...zoom));
		// zoomed in until the points are drawn one by one
		const zoomed = await page.evaluate(() => {
			const x = window.mlvExplore;
			for (let k = 0; k < 40 && x.lod(0) !== 'points'; k++) x.benchFrame(0, 0, 0, 1.25);
			const ms = [];
			for (let k = 0; k < 15; k++) ms.push(x.benchFrame(0, k % 2 ? 25 : -25, 0, 1));
			return {ms, lod: x.lod(0), inView: document.querySelector('.lod').textContent};
		});
		row(tag + ': pan frame (' + zoomed.lod + ', ' + zoomed.inView.split(' ')[0] + ' in view), median', median(zoomed.ms), 50, Math.min(...zoomed.ms));
		await page.click('#reset-view');
		await page.click('[data-tool=lasso]');
		const r = await page.locator('.overlay').first().boundingBox();
		const ring = [];
		for (let a = 0; a <= 24; a++) {
			const t = a / 24 * 2 * Math.PI;
			ring.push({ x: r.x + r.width / 2 + Math.cos(t) * r.width * 0.49, y: r.y + r.height / 2 + Math.sin(t) * r.height * 0.49 });
		}
		await page.mouse.move(ring[0].x, ring[0].y);
		await page.mouse.down();
		for (const p of ring.slice(1)) await page.mouse.move(p.x, p.y);
		await page.mouse.up();
		const sel = await page.evaluate(() => [window.mlvExplore.timing.selectMs, window.mlvExplore.selection().length]);
		row(tag + ': lasso selecting ' + sel[1].toLocaleString('en') + ' points', sel[0], 300);
		const hover = await page.evaluate(() => window.mlvExplore.benchHover(0, 20000));
		row(tag + ': hover lookup (' + hover.found + ' of 20,000 hit a point)', hover.ms, 1);
		if (fallback) {
			const plain = await page.evaluate(() => {
				const d = window.mlvExplore.data, xy = d.maps[0].xy, n = d.n, codes = d.labels.length ? d.labels[0].codes : d.record;
				const c = document.createElement('canvas');
				c.width = 800; c.height = 600;
				const ctx = c.getContext('2d'), pal = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000'];
				let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
				for (let i = 0; i < n; i++) {
					x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]);
					y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]);
				}
				const sx = 800 / (x1 - x0), sy = 600 / (y1 - y0), t0 = performance.now();
				ctx.clearRect(0, 0, 800, 600);
				for (let i = 0; i < n; i++) {
					ctx.fillStyle = pal[codes[i] % 8];
					ctx.fillRect((xy[2 * i] - x0) * sx, 600 - (xy[2 * i + 1] - y0) * sy, 2, 2);
				}
				ctx.getImageData(0, 0, 1, 1);
				return performance.now() - t0;
			});
			row(info.n.toLocaleString('en') + ' points, plain 2-D canvas loop: one frame (peer)', plain, 0);
		}
	}
	await page.context().close();
}

const browser = await launch();
try {
	for (const [k, file] of pages.entries())
		for (const fallback of [false, true]) await measure(browser, file, fallback, k === pages.length - 1);
} finally {
	await browser.close();
}
