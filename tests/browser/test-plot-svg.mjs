// test-plot-svg.mjs - mlv-plot's SVG maps in chromium: hovering a point
// shows its record's id, labels and time in gnuplot's tooltip (it was
// dead once, although the XML parsed: the script behind it was missing).
//
//   node tests/browser/test-plot-svg.mjs WORKDIR
// with MLV_BIN (default bin) holding mlv-cat and mlv-plot.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, openPage, Reporter, equal, assert } from './harness.mjs';

const WORK = path.resolve(process.argv[2] || '.');
const BIN = path.resolve(process.env.MLV_BIN || 'bin');
const RECORDS = [
	// shown: the label as the tooltip shows it (gnuplot's SVG script takes
	// a JavaScript string, so mlv-plot gives it look-alike quotes)
	{ id: 'a.wav', t0: 0.5, dt: 2, label: "'Round Midnight", shown: '\u2019Round Midnight', xy: [[0, 0], [1, 2]] },
	{ id: 'b.wav', t0: 10, dt: 1, label: 'Tom & Jerry <b>', shown: 'Tom & Jerry <b>', xy: [[5, 0], [6, 3]] },
];

function run(cmd, args) {
	return execFileSync(path.join(BIN, cmd), args, { cwd: WORK, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const parts = RECORDS.map((rec, r) => {
	const tsv = path.join(WORK, r + '.tsv'), out = path.join(WORK, r + '.mlv');
	fs.writeFileSync(tsv, rec.xy.map(p => p.join('\t')).join('\n') + '\n');
	run('mlv-cat', ['-f', 'tsv', '--set', 'id=' + rec.id, '--set', 't0=' + rec.t0, '--set', 'dt=' + rec.dt,
		'--set', 'label.title=' + rec.label, '-o', out, tsv]);
	return fs.readFileSync(out);
});
fs.writeFileSync(path.join(WORK, 'map.mlv'), Buffer.concat(parts));
run('mlv-plot', ['-c', 'label.title', '-o', 'map.svg', 'map.mlv']);

const t = new Reporter();
const browser = await launch();
const page = await openPage(browser, pathToFileURL(path.join(WORK, 'map.svg')).href);
await page.waitForLoadState('load');
// gnuplot's script, run on load, turns each point into <g><title/><use/>.
const points = page.locator('g > title + use');
const tooltip = async () => page.evaluate(() => {
	const t = document.getElementById('hypertext');
	return t ? { visible: t.getAttribute('visibility'),
		lines: [...t.querySelectorAll('tspan')].map(s => s.textContent) } : null;
});

await t.test('the SVG has one hover target per row', page, async () => {
	equal('points', await points.count(), 4);
});
let row = 0;
for (const rec of RECORDS) {
	for (let i = 0; i < rec.xy.length; i++, row++) {
		await t.test(`hovering ${rec.id} row ${i} shows its id, label and time`, page, async () => {
			const box = await points.nth(row).boundingBox();
			assert(box, 'the point has no box');
			await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
			const tip = await tooltip();
			assert(tip, 'no tooltip element');
			equal('visibility', tip.visible, 'visible');
			const text = tip.lines.join('\n');
			assert(tip.lines[0] === rec.id, 'first line is not the id: ' + text);
			assert(tip.lines.includes('label.title=' + rec.shown), 'no label line: ' + text);
			const time = (rec.t0 + i * rec.dt).toFixed(3);
			assert(tip.lines.some(l => l.includes('t=' + time)), `no t=${time}: ` + text);
		});
	}
}
await t.test('moving away hides the tooltip', page, async () => {
	await page.mouse.move(1, 1);
	equal('visibility', (await tooltip()).visible, 'hidden');
});
await browser.close();
process.exit(t.finish());
