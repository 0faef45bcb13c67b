// screenshot.mjs PAGE PNG - README's picture of mlv-explore: PAGE (a page
// mlv-explore wrote) in headless chromium through tests/browser's harness,
// one point of the first map hovered (its tooltip, and its ring in the
// second map), saved as PNG.
import path from 'node:path';
import { launch, openPage } from '../tests/browser/harness.mjs';

const [pagePath, png] = process.argv.slice(2);
if (!pagePath || !png) {
	console.error('usage: node screenshot.mjs PAGE.html OUT.png');
	process.exit(2);
}
const browser = await launch();
try {
	const page = await openPage(browser, 'file://' + path.resolve(pagePath), { width: 1280, height: 720 });
	await page.waitForFunction(() => window.mlvExplore && window.mlvExplore.ready, null, { timeout: 30000 });
	const pts = await page.evaluate(() => {
		const x = window.mlvExplore, out = [];
		for (let i = 0; i < x.data.n; i++) out.push(x.screenPoint(0, i));
		return out;
	});
	// hover the point nearest a spot up and left of the middle of map 1
	const xs = pts.map(p => p.x).sort((a, b) => a - b), ys = pts.map(p => p.y).sort((a, b) => a - b);
	const q = (s, f) => s[Math.floor(f * (s.length - 1))];
	const cx = q(xs, 0.3), cy = q(ys, 0.3);
	let best = 0;
	pts.forEach((p, i) => {
		if (Math.hypot(p.x - cx, p.y - cy) < Math.hypot(pts[best].x - cx, pts[best].y - cy)) best = i;
	});
	await page.mouse.move(pts[best].x, pts[best].y);
	await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
	await page.evaluate(() => window.mlvExplore.settled());
	await page.screenshot({ path: png, type: 'png' });
	console.log(png);
} finally {
	await browser.close();
}
