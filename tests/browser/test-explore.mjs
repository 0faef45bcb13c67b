// test-explore.mjs - mlv-explore's page in chromium: pages made by the real
// tool from streams made by mlv-cat, then hovered, clicked, selected,
// recoloured, searched and exported through real mouse and keyboard events.
//
//   node tests/browser/test-explore.mjs WORKDIR
// with MLV_BIN (default bin) holding mlv-cat, mlv-simmat and mlv-explore;
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, openPage, withoutWebGL, Reporter, equal, assert } from './harness.mjs';

const WORK = path.resolve(process.argv[2] || '.');
const BIN = path.resolve(process.env.MLV_BIN || 'bin');
const EXPLORE = path.join(BIN, 'mlv-explore');
const K = 3;

// Four tracks; map 1 puts a.wav bottom left, b.wav bottom right, 'c d.wav'
// top left and d.wav top right, one data unit between neighbours.
const RECORDS = [
	{ id: 'a.wav', src: 'audio/a.wav', t0: 0.5, dt: 1, dur: 2,
		labels: { composer: 'Bach', title: '<script>alert(1)</script>' }, xy: [[0, 0], [1, 1], [2, 0], [3, 1]] },
	{ id: 'b.wav', src: 'audio/b.wav', t0: 0, dt: 0.5, dur: 1,
		labels: { composer: 'Mozart', title: 'Don Giovanni & </script>' }, xy: [[10, 0], [11, 1], [12, 0]] },
	{ id: 'c d.wav', src: 'audio/c d.wav', t0: 2, dt: 2, dur: 2,
		labels: { composer: 'Bach' }, xy: [[0, 5], [1, 6], [2, 5]] },
	{ id: 'd.wav', src: 'audio/d.wav', t0: 1, dt: 1, dur: 1,
		labels: { composer: 'Mozart', title: 'Requiem' }, xy: [[10, 5], [12, 6]] },
];
const CLUSTER = [0, 1, 0, -1];  // by record; -1 is noise
const start = (r, row) => RECORDS[r].t0 + row * RECORDS[r].dt;
const end = (r, row) => start(r, row) + RECORDS[r].dur;
// latent rows with distinct distances, so the nearest are unambiguous
const latent = (r, row) => { const i = 10 * r + row; return [Math.sin(i * 1.3), Math.cos(i * 0.71), (i * 0.37) % 1.1, ((i * i) % 7) * 0.13]; };

function run(cmd, args) {
	return execFileSync(cmd, args, { cwd: WORK, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function tool(name) { return path.join(BIN, name); }

// One stream of the records, with rows(r, row) as each row's values.
function stream(name, rows) {
	const parts = RECORDS.map((rec, r) => {
		const tsv = path.join(WORK, name + '.' + r + '.tsv');
		fs.writeFileSync(tsv, rec.xy.map((_, row) => rows(r, row).join('\t')).join('\n') + '\n');
		const set = ['id=' + rec.id, 'src=' + rec.src, 't0=' + rec.t0, 'dt=' + rec.dt, 'dur=' + rec.dur,
			...Object.entries(rec.labels).map(([k, v]) => 'label.' + k + '=' + v)];
		const out = path.join(WORK, name + '.' + r + '.mlv');
		run(tool('mlv-cat'), ['-f', 'tsv', ...set.flatMap(s => ['--set', s]), '-o', out, tsv]);
		return fs.readFileSync(out);
	});
	fs.writeFileSync(path.join(WORK, name), Buffer.concat(parts));
	return name;
}

// A mono 16-bit WAV of a 440 Hz tone, for the player to load.
function wav(file, seconds) {
	const sr = 8000, n = sr * seconds, b = Buffer.alloc(44 + 2 * n);
	b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVEfmt ', 8);
	b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
	b.writeUInt32LE(sr, 24); b.writeUInt32LE(2 * sr, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
	b.write('data', 36); b.writeUInt32LE(2 * n, 40);
	for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / sr)), 44 + 2 * i);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, b);
}

function makePages() {
	// a third column, continuous: the x coordinate again
	stream('map1.mlv', (r, row) => [...RECORDS[r].xy[row], RECORDS[r].xy[row][0]]);
	stream('map2.mlv', (r, row) => [RECORDS[r].xy[row][1] * 2, -RECORDS[r].xy[row][0]]);
	stream('latent.mlv', latent);
	stream('clusters.mlv', r => [CLUSTER[r]]);
	wav(path.join(WORK, 'audio/a.wav'), 8);  // b.wav and the rest are missing
	run(EXPLORE, ['-c', 'label.composer', '--latent', 'latent.mlv', '--knn', String(K), '--clusters', 'clusters.mlv',
		'--audio-root', WORK, '-o', 'page.html', 'map1.mlv', 'map2.mlv']);
	// 30,000 points in a disc: more than the page draws one by one
	const big = [];
	for (let i = 0; i < 30000; i++) {
		const a = i * 2.399963, rad = Math.sqrt(i / 30000) * 50;
		big.push((rad * Math.cos(a)).toFixed(4) + '\t' + (rad * Math.sin(a)).toFixed(4));
	}
	fs.writeFileSync(path.join(WORK, 'big.tsv'), big.join('\n') + '\n');
	run(tool('mlv-cat'), ['-f', 'tsv', '--set', 'id=big', '--set', 'label.part=x', '-o', 'big.mlv', 'big.tsv']);
	run(EXPLORE, ['-o', 'big.html', 'big.mlv']);
}

// mlv-simmat's K nearest rows of each row (itself excluded) as
// {"id row": ["id row", ...]}
function simmatNeighbours() {
	const out = run(tool('mlv-simmat'), ['-m', 'euclidean', '--query', 'latent.mlv', '--knn', String(K + 1), 'latent.mlv']);
	const rowOf = (id, t) => {
		const r = RECORDS.findIndex(x => x.id === id);
		return id + ' ' + Math.round((Number(t) - RECORDS[r].t0) / RECORDS[r].dt);
	};
	const lines = out.trim().split('\n'), head = lines[0].split('\t'), col = name => head.indexOf(name);
	const nn = {};
	for (const line of lines.slice(1)) {
		const f = line.split('\t'), q = rowOf(f[col('query_id')], f[col('query_t')]), hit = rowOf(f[col('id')], f[col('t')]);
		if (hit !== q) (nn[q] = nn[q] || []).push(hit);
	}
	return nn;
}

const t = new Reporter();
const url = name => pathToFileURL(path.join(WORK, name)).href;

// helpers run against an open page
const idx = (page, id, row) => page.evaluate(([id, row]) => {
	const d = window.mlvExplore.data;
	for (let i = 0; i < d.n; i++) if (d.ids[d.record[i]] === id && d.row[i] === row) return i;
	return -1;
}, [id, row]);
const at = (page, map, i) => page.evaluate(([m, i]) => window.mlvExplore.screenPoint(m, i), [map, i]);
const pixel = (page, map, layer, p) => page.evaluate(([m, l, x, y]) => window.mlvExplore.pixel(m, l, x, y), [map, layer, p.x, p.y]);
const settled = page => page.evaluate(() => window.mlvExplore.settled());
const selection = page => page.evaluate(() => window.mlvExplore.selection());
const near = (got, want, tol) => got.slice(0, 3).every((v, c) => Math.abs(v - want[c]) <= tol);
const blank = px => px[3] === 0 || near(px, [255, 255, 255], 6);
const ORANGE = [230, 159, 0], SKY = [86, 180, 233];

async function ready(page) {
	await page.waitForFunction(() => window.mlvExplore && window.mlvExplore.ready, null, { timeout: 20000 });
}
async function indices(page, pairs) {
	const out = [];
	for (const [id, row] of pairs) out.push(await idx(page, id, row));
	return out.sort((a, b) => a - b);
}
const rowsOf = id => RECORDS.find(r => r.id === id).xy.map((_, row) => [id, row]);

async function drag(page, points, modifier) {
	if (modifier) await page.keyboard.down(modifier);
	await page.mouse.move(points[0].x, points[0].y);
	await page.mouse.down();
	for (const p of points.slice(1)) await page.mouse.move(p.x, p.y, { steps: 6 });
	await page.mouse.up();
	if (modifier) await page.keyboard.up(modifier);
	await settled(page);
}
const shift = (p, dx, dy) => ({ x: p.x + dx, y: p.y + dy });

async function download(page, button) {
	const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
	return { name: dl.suggestedFilename(), text: fs.readFileSync(await dl.path(), 'utf8') };
}

async function main() {
	try {
		makePages();
		t.ok('pages made by ' + path.basename(EXPLORE));
	} catch (e) {
		t.notOk('pages made by ' + path.basename(EXPLORE), e.message, e.stderr || '');
		return;
	}
	const browser = await launch();
	try {
		await mainPage(browser);
		await embeddedPage(browser);
		await networkPage(browser);
		await fallbackPage(browser);
		await bigPage(browser);
	} finally {
		await browser.close();
	}
}

async function mainPage(browser) {
	const page = await openPage(browser, url('page.html'));
	await t.test('the page loads and draws with WebGL2', page, async () => {
		await ready(page);
		equal('renderers', await page.evaluate(() => [0, 1].map(window.mlvExplore.renderer)), ['webgl2', 'webgl2']);
		equal('level of detail', await page.evaluate(() => window.mlvExplore.lod(0)), 'points');
		const a1 = await at(page, 0, await idx(page, 'a.wav', 1));
		assert(near(await pixel(page, 0, 'base', a1), ORANGE, 40), 'a.wav row 1 is not drawn orange (Bach)');
	});

	await t.test('hover shows id, file, time and every label as text', page, async () => {
		const i = await idx(page, 'a.wav', 1), p = await at(page, 0, i);
		await page.mouse.move(p.x + 2, p.y + 1);
		await page.waitForSelector('#tooltip:not([hidden])');
		const tip = await page.textContent('#tooltip');
		for (const want of ['a.wav', 'file: audio/a.wav', 'time: 1.5–3.5 s', 'row: 1', 'composer: Bach', 'title: <script>alert(1)</script>'])
			assert(tip.includes(want), 'tooltip lacks ' + JSON.stringify(want) + ': ' + JSON.stringify(tip));
		equal('hovered', await page.evaluate(() => window.mlvExplore.hovered()), i);
		equal('script elements in the tooltip', await page.locator('#tooltip script').count(), 0);
	});

	await t.test('hover in one map rings the point in the other', page, async () => {
		const i = await idx(page, 'a.wav', 0), p = await at(page, 0, i), q = await at(page, 1, i);
		await page.mouse.move(p.x, p.y);
		await settled(page);
		equal('hovered', await page.evaluate(() => window.mlvExplore.hovered()), i);
		const ring = await pixel(page, 1, 'overlay', shift(q, 9, 0));
		assert(ring[3] > 0, 'no ring around the point in map 2: ' + ring);
	});

	await t.test('a label <script> and </script> stay text', page, async () => {
		const i = await idx(page, 'b.wav', 1), p = await at(page, 0, i);
		await page.mouse.move(p.x, p.y);
		await page.waitForFunction(i => window.mlvExplore.hovered() === i, i);
		const tip = await page.textContent('#tooltip');
		assert(tip.includes('title: Don Giovanni & </script>'), 'tooltip: ' + JSON.stringify(tip));
		const options = await page.locator('#highlight option').allTextContents();
		assert(options.includes('<script>alert(1)</script>'), 'highlight menu: ' + JSON.stringify(options));
		const scripts = await page.evaluate(() => Array.from(document.scripts).filter(s => !s.type).length);
		equal('executable script elements', scripts, 1);
	});

	await t.test('click plays the segment from its start', page, async () => {
		await page.mouse.move(5, 5);
		const i = await idx(page, 'a.wav', 1), p = await at(page, 0, i);
		await page.mouse.click(p.x, p.y);
		const src = await page.getAttribute('#player', 'src');
		const u = new URL(src, url('page.html'));
		equal('audio file', decodeURIComponent(u.pathname), path.join(WORK, 'audio/a.wav'));
		equal('media fragment', u.hash, '#t=1.5,3.5');
		// where playback began: it may have moved on by the time we look
		await page.waitForFunction(() => {
			const a = document.getElementById('player');
			return a.readyState >= 1 && (a.played.length > 0 || Math.abs(a.currentTime - 1.5) < 0.01);
		}, null, { timeout: 10000 });
		const began = await page.evaluate(() => {
			const a = document.getElementById('player');
			return a.played.length ? a.played.start(0) : a.currentTime;
		});
		assert(Math.abs(began - 1.5) < 0.02, 'playback began at ' + began + ' s, not 1.5');
		assert(await page.isHidden('#message'), 'a message shows for a file that exists');
	});

	await t.test('more like this lists the nearest neighbours (as mlv-simmat finds them)', page, async () => {
		const nn = simmatNeighbours()['a.wav 1'];
		const want = [];
		for (const key of nn) { const [id, row] = [key.slice(0, key.lastIndexOf(' ')), Number(key.slice(key.lastIndexOf(' ') + 1))]; want.push(await idx(page, id, row)); }
		equal('listed', await page.evaluate(() => window.mlvExplore.neighbours()), want);
		const listed = await page.$$eval('#mlt-list li', lis => lis.map(li => Number(li.dataset.index)));
		equal('list items', listed, want);
		await settled(page);
		for (const j of want) {
			const ring = await pixel(page, 0, 'overlay', shift(await at(page, 0, j), 6, 0));
			assert(ring[3] > 0, 'neighbour ' + j + ' is not ringed on the map');
		}
		await page.click('#mlt-list li:first-child button');
		const r = await page.evaluate(i => window.mlvExplore.data.ids[window.mlvExplore.data.record[i]], want[0]);
		const src = decodeURIComponent(await page.getAttribute('#player', 'src'));
		assert(src.includes(RECORDS.find(x => x.id === r).src + '#t='), 'playing ' + src + ', not ' + r);
	});

	await t.test('a missing audio file is named on the page', page, async () => {
		const p = await at(page, 0, await idx(page, 'b.wav', 1));
		await page.mouse.click(p.x, p.y);
		await page.waitForSelector('#message:not([hidden])', { timeout: 10000 });
		const msg = await page.textContent('#message');
		assert(msg.includes('b.wav') && /missing/.test(msg), 'message: ' + msg);
	});

	await t.test('box, shift-lasso and alt-box select; M3U and TSV export them', page, async () => {
		await page.click('[data-tool=box]');
		const A = [];
		for (let row = 0; row < 4; row++) A.push(await at(page, 0, await idx(page, 'a.wav', row)));
		await drag(page, [shift(A[0], -15, 15), shift(A[3], 15, -15)]);
		equal('box', await selection(page), await indices(page, rowsOf('a.wav')));
		await page.click('[data-tool=lasso]');
		const B = [];
		for (let row = 0; row < 3; row++) B.push(await at(page, 0, await idx(page, 'b.wav', row)));
		await drag(page, [shift(B[0], -20, 15), shift(B[1], 0, -25), shift(B[2], 20, 15), shift(B[0], -20, 15)], 'Shift');
		equal('box + lasso', await selection(page), await indices(page, [...rowsOf('a.wav'), ...rowsOf('b.wav')]));
		await page.click('[data-tool=box]');
		await drag(page, [shift(A[0], -15, 15), shift(A[1], 15, -15)], 'Alt');
		const kept = [['a.wav', 2], ['a.wav', 3], ...rowsOf('b.wav')];
		equal('box + lasso - box', await selection(page), await indices(page, kept));
		const order = [];
		for (const [id, row] of kept) order.push([await idx(page, id, row), id, row]);
		order.sort((p, q) => p[0] - q[0]);
		const m3u = await download(page, '#export-m3u');
		equal('M3U name', m3u.name, 'selection.m3u');
		const wantM3U = ['#EXTM3U'];
		for (const [, id, row] of order) {
			const r = RECORDS.findIndex(x => x.id === id);
			wantM3U.push('#EXTINF:' + RECORDS[r].dur + ',' + id + ' ' + start(r, row) + '-' + end(r, row),
				'#EXTVLCOPT:start-time=' + start(r, row), '#EXTVLCOPT:stop-time=' + end(r, row), RECORDS[r].src);
		}
		equal('M3U lines', m3u.text.split('\n'), [...wantM3U, '']);
		const tsv = await download(page, '#export-tsv');
		equal('TSV name', tsv.name, 'selection.tsv');
		const wantTSV = ['id\trow\tstart\tend'];
		for (const [, id, row] of order) {
			const r = RECORDS.findIndex(x => x.id === id);
			wantTSV.push([id, row, start(r, row), end(r, row)].join('\t'));
		}
		equal('TSV lines', tsv.text.split('\n'), [...wantTSV, '']);
		equal('last export', await page.evaluate(() => window.mlvExplore.lastExport.text), tsv.text);
	});

	await t.test('the selection shows in the other map', page, async () => {
		const sel = await selection(page), c0 = await idx(page, 'c d.wav', 0), a3 = await idx(page, 'a.wav', 3);
		assert(sel.includes(a3) && !sel.includes(c0), 'unexpected selection ' + sel);
		const inSel = await pixel(page, 1, 'base', await at(page, 1, a3));
		const outSel = await pixel(page, 1, 'base', await at(page, 1, c0));
		assert(near(inSel, ORANGE, 40), 'selected a.wav row 3 in map 2 is not orange: ' + inSel);
		assert(near(outSel, [200, 200, 200], 30), 'unselected c d.wav row 0 in map 2 is not grey: ' + outSel);
		const count = await page.textContent('#sel-count');
		assert(count.startsWith('5 of 12'), 'count: ' + count);
		const hist = await page.textContent('.hist[data-label="label.composer"]');
		assert(/Mozart\s*3/.test(hist) && /Bach\s*2/.test(hist), 'histogram: ' + hist);
		equal('variance list length', await page.locator('#variance li').count(), 4);
	});

	await t.test('the view state is kept in the URL hash', page, async () => {
		const box = await page.locator('.overlay').first().boundingBox();
		await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await page.mouse.wheel(0, 60);
		await settled(page);
		await page.waitForFunction(() => location.hash === window.mlvExplore.stateHash() && location.hash.includes('s='));
		const sel = await selection(page), there = page.url();
		assert(/[#&]v=/.test(new URL(there).hash), 'no view in the hash: ' + there);
		const again = await openPage(browser, there);
		await ready(again);
		equal('selection after reload', await selection(again), sel);
		equal('colour after reload', await again.inputValue('#color'), 'label.composer');
		equal('the whole state (views, colour, selection) after reload',
			await again.evaluate(() => window.mlvExplore.stateHash()), new URL(there).hash);
		await again.context().close();
	});

	await t.test('colouring switches and the legend hides a category', page, async () => {
		await page.click('#clear');
		await settled(page);
		equal('legend', await page.locator('.legend-item .name').allTextContents(), ['Bach', 'Mozart']);
		const b1 = await at(page, 0, await idx(page, 'b.wav', 1));
		assert(near(await pixel(page, 0, 'base', b1), SKY, 40), 'Mozart is not sky blue');
		await page.click('.legend-item:has-text("Mozart")');
		await settled(page);
		assert(blank(await pixel(page, 0, 'base', b1)), 'a hidden Mozart point is still drawn');
		await page.mouse.move(b1.x, b1.y);
		await settled(page);
		equal('hover on a hidden point', await page.evaluate(() => window.mlvExplore.hovered()), -1);
		await page.click('.legend-item:has-text("Mozart")');
		await page.selectOption('#color', 'record');
		await settled(page);
		equal('legend by record', await page.locator('.legend-item .name').allTextContents(), RECORDS.map(r => r.id));
		const a0 = await at(page, 0, await idx(page, 'a.wav', 0)), c0 = await at(page, 0, await idx(page, 'c d.wav', 0));
		assert(near(await pixel(page, 0, 'base', a0), ORANGE, 40), 'record a.wav is not orange');
		assert(near(await pixel(page, 0, 'base', c0), [0, 158, 115], 40), 'record c d.wav is not green');
		await page.waitForFunction(() => location.hash.includes('c=record'));
	});

	await t.test('colour by cluster and by a continuous column', page, async () => {
		await page.selectOption('#color', 'cluster');
		await settled(page);
		equal('legend by cluster', await page.locator('.legend-item .name').allTextContents(), ['noise', 'cluster 0', 'cluster 1']);
		const a0 = await at(page, 0, await idx(page, 'a.wav', 0)), b2 = await at(page, 0, await idx(page, 'b.wav', 2));
		const d0 = await at(page, 0, await idx(page, 'd.wav', 0));
		assert(near(await pixel(page, 0, 'base', a0), ORANGE, 40), 'cluster 0 is not orange');
		assert(near(await pixel(page, 0, 'base', b2), SKY, 40), 'cluster 1 is not sky blue');
		assert(near(await pixel(page, 0, 'base', d0), [150, 150, 150], 30), 'noise is not grey');
		const column = await page.$eval('#color', s => Array.from(s.options).map(o => o.value).find(v => v.startsWith('column:')));
		await page.selectOption('#color', column);
		await settled(page);
		equal('a colour ramp for a column', await page.locator('#legend .legend-ramp').count(), 1);
		assert(near(await pixel(page, 0, 'base', a0), [68, 1, 84], 40), 'the column\'s minimum is not dark violet');
		assert(near(await pixel(page, 0, 'base', b2), [253, 231, 37], 40), 'the column\'s maximum is not yellow');
	});

	await t.test('highlight one label value over a grey rest', page, async () => {
		await page.selectOption('#color', 'label.composer');
		const code = await page.evaluate(() => window.mlvExplore.data.labels.findIndex(l => l.key === 'label.title'));
		const req = await page.evaluate(k => window.mlvExplore.data.labels[k].values.indexOf('Requiem'), code);
		await page.selectOption('#highlight', code + ':' + req);
		await settled(page);
		const d0 = await at(page, 0, await idx(page, 'd.wav', 0)), b1 = await at(page, 0, await idx(page, 'b.wav', 1));
		assert(near(await pixel(page, 0, 'base', d0), SKY, 40), 'the highlighted point is not in its colour');
		assert(near(await pixel(page, 0, 'base', b1), [200, 200, 200], 30), 'the rest is not grey');
		await page.selectOption('#highlight', '');
	});

	await t.test('search selects by id and by label', page, async () => {
		await page.fill('#search', 'MOZART');
		await page.press('#search', 'Enter');
		equal('mozart', await selection(page), await indices(page, [...rowsOf('b.wav'), ...rowsOf('d.wav')]));
		await page.fill('#search', 'c d');
		await page.press('#search', 'Enter');
		equal('c d', await selection(page), await indices(page, rowsOf('c d.wav')));
		await page.fill('#search', 'requiem');
		await page.press('#search', 'Enter');
		equal('requiem', await selection(page), await indices(page, rowsOf('d.wav')));
	});

	await t.test('a label menu selects by value', page, async () => {
		const bach = await page.evaluate(() => window.mlvExplore.data.labels.find(l => l.key === 'label.composer').values.indexOf('Bach'));
		await page.selectOption('select[data-label="label.composer"]', String(bach));
		equal('Bach', await selection(page), await indices(page, [...rowsOf('a.wav'), ...rowsOf('c d.wav')]));
	});

	await t.test('trajectories and averages layers draw', page, async () => {
		await page.click('#clear');
		const a0 = await at(page, 0, await idx(page, 'a.wav', 0)), a1 = await at(page, 0, await idx(page, 'a.wav', 1));
		const mid = { x: (a0.x + a1.x) / 2, y: (a0.y + a1.y) / 2 };
		const layerPixel = p => page.evaluate(([x, y]) => {
			const c = document.querySelector('.map-stage canvas.layers'), r = c.getBoundingClientRect();
			return Array.from(c.getContext('2d').getImageData(Math.floor(x - r.left), Math.floor(y - r.top), 1, 1).data);
		}, [p.x, p.y]);
		equal('no layer', (await layerPixel(mid))[3], 0);
		await page.check('#layer-traj');
		await settled(page);
		assert((await layerPixel(mid))[3] > 0, 'no trajectory between a.wav rows 0 and 1');
		await page.uncheck('#layer-traj');
		await page.check('#layer-avg');
		await settled(page);
		const av = await page.evaluate(() => {
			const d = window.mlvExplore.data;
			let x = 0, y = 0, n = 0;
			for (let i = 0; i < d.n; i++) if (d.record[i] === 0) { x += d.maps[0].xy[2 * i]; y += d.maps[0].xy[2 * i + 1]; n++; }
			return [x / n, y / n];
		});
		equal('a.wav mean', av, [1.5, 0.5]);
		const centre = { x: (a0.x + a1.x) / 2 + (a1.x - a0.x), y: (a0.y + a1.y) / 2 };
		assert((await layerPixel(centre))[3] > 0, 'no average drawn at a.wav\'s mean');
		await page.uncheck('#layer-avg');
	});
	await page.context().close();
}

async function embeddedPage(browser) {
	let page = null;
	await t.test('embedded audio plays the clip from a Blob URL', null, async () => {
		run(tool('mlv-cat'), ['-i', 'a.wav', '-o', 'a-only.mlv', 'map1.mlv']);
		run(EXPLORE, ['--embed-audio', '-o', 'embedded.html', 'a-only.mlv']);
		page = await openPage(browser, url('embedded.html'));
		await ready(page);
		const p = await at(page, 0, await idx(page, 'a.wav', 1));
		await page.mouse.click(p.x, p.y);
		const src = await page.getAttribute('#player', 'src');
		assert(src.startsWith('blob:'), 'src ' + src);
		await page.waitForFunction(() => document.getElementById('player').readyState >= 1, null, { timeout: 10000 });
		const duration = await page.evaluate(() => document.getElementById('player').duration);
		assert(Math.abs(duration - end(0, 1) + start(0, 1)) < 0.15, 'the clip lasts ' + duration + ' s, not ' + (end(0, 1) - start(0, 1)));
		assert(await page.isHidden('#message'), 'a message shows');
		assert(!page.mlvDialogs.length && !page.mlvErrors.length, 'dialogs or errors: ' + page.mlvDialogs.concat(page.mlvErrors));
	});
	if (page) await page.context().close();
}

async function networkPage(browser) {
	const PAGE = 'http://mlv.test/page.html', html = fs.readFileSync(path.join(WORK, 'page.html'));
	const seen = [], others = [];
	const page = await openPage(browser, null, {
		route: route => {
			const u = route.request().url();
			if (u === PAGE) { seen.push(u); return route.fulfill({ body: html, contentType: 'text/html' }); }
			others.push(u);
			return route.abort();
		},
	});
	page.on('request', r => { if (r.url() !== PAGE) others.push(r.url()); });
	await t.test('with the network blocked, the page makes no request', page, async () => {
		await page.goto(PAGE);
		await ready(page);
		const p = await at(page, 0, await idx(page, 'a.wav', 2));
		await page.mouse.move(p.x, p.y);
		await page.click('[data-tool=box]');
		await drag(page, [shift(p, -30, 30), shift(p, 30, -30)]);
		await page.fill('#search', 'bach');
		await page.press('#search', 'Enter');
		await page.waitForTimeout(300);
		equal('the page itself was served through the route', seen, [PAGE]);
		equal('other requests', others, []);
	});
	await page.context().close();
}

async function fallbackPage(browser) {
	const page = await openPage(browser, url('page.html'), { init: withoutWebGL });
	await t.test('without WebGL2 the 2-D canvas draws the points', page, async () => {
		await ready(page);
		equal('renderer', await page.evaluate(() => window.mlvExplore.renderer(0)), '2d');
		const a1 = await at(page, 0, await idx(page, 'a.wav', 1)), b1 = await at(page, 0, await idx(page, 'b.wav', 1));
		assert(near(await pixel(page, 0, 'base', a1), ORANGE, 40), 'a.wav row 1 is not orange');
		assert(near(await pixel(page, 0, 'base', b1), SKY, 40), 'b.wav row 1 is not sky blue');
		await page.mouse.move(a1.x, a1.y);
		await page.waitForSelector('#tooltip:not([hidden])');
	});
	await page.context().close();
	const big = await openPage(browser, url('big.html'), { init: withoutWebGL });
	await t.test('without WebGL2 the density image draws', big, async () => {
		await ready(big);
		equal('level of detail', await big.evaluate(() => [window.mlvExplore.renderer(0), window.mlvExplore.lod(0)]), ['2d', 'density']);
		const p = await at(big, 0, 0);
		assert(!blank(await pixel(big, 0, 'base', p)), 'nothing drawn at point 0');
	});
	await big.context().close();
}

async function bigPage(browser) {
	const page = await openPage(browser, url('big.html'));
	await t.test('many points: a density image, points once zoomed in', page, async () => {
		await ready(page);
		equal('at first', await page.evaluate(() => window.mlvExplore.lod(0)), 'density');
		const p = await at(page, 0, 0);
		assert(!blank(await pixel(page, 0, 'base', p)), 'nothing drawn at point 0');
		const hover = await page.evaluate(() => window.mlvExplore.benchHover(0, 2000));
		assert(hover.found > 100 && hover.ms < 1, 'a hover lookup took ' + hover.ms + ' ms on average, finding ' + hover.found + ' of 2000');
		await page.mouse.move(p.x, p.y);
		for (let k = 0; k < 8; k++) await page.mouse.wheel(0, -400);
		await page.waitForFunction(() => window.mlvExplore.lod(0) === 'points');
		const q = await at(page, 0, 0);
		await page.mouse.move(q.x, q.y);
		await page.waitForSelector('#tooltip:not([hidden])');
		equal('hovered', await page.evaluate(() => window.mlvExplore.hovered()), 0);
	});
	await page.context().close();
}

await main();
process.exit(t.finish());
