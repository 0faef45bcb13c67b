// harness.mjs - what every browser test needs: the system chromium driven
// by playwright-core (never a downloaded browser), pages that fail the test
// when they open a dialog or throw, and "ok NAME" / "not ok NAME" lines for
// tests/run.sh.
//
//   import { launch, openPage, Reporter } from './harness.mjs';
//   const t = new Reporter();
//   const browser = await launch();
//   const page = await openPage(browser, 'file:///.../page.html');
//   await t.test('hover shows the id', page, async () => { ... throw to fail ... });
//   await browser.close();
//   process.exit(t.finish());
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.MLV_CHROMIUM || '/usr/bin/chromium';

// SwiftShader is chromium's software GL: WebGL2 without a GPU, the same
// everywhere, so the tests and the benchmarks see one renderer.
export async function launch({ args = [] } = {}) {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader',
			'--autoplay-policy=no-user-gesture-required', ...args],
	});
}

// A page in a fresh context (its own downloads, storage and routes) of a
// given viewport. Dialogs are dismissed and counted, uncaught page errors
// kept: Reporter.test fails a test during which either happened.
export async function openPage(browser, url, { width = 1280, height = 720, init = null, route = null } = {}) {
	const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
	const page = await context.newPage();
	page.mlvDialogs = [];
	page.mlvErrors = [];
	page.on('dialog', d => { page.mlvDialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', e => page.mlvErrors.push(String(e)));
	if (init) await page.addInitScript(init);
	if (route) await page.route('**/*', route);
	if (url) await page.goto(url);
	return page;
}

// An init script for openPage: the page finds no WebGL at all, as in a
// browser without it, so it must fall back to the 2-D canvas.
export function withoutWebGL() {
	const get = HTMLCanvasElement.prototype.getContext;
	HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
		return /webgl/.test(type) ? null : get.call(this, type, ...rest);
	};
}

export class Reporter {
	constructor() { this.failed = 0; this.passed = 0; }
	ok(name) { this.passed++; console.log('ok ' + name); }
	notOk(name, ...details) {
		this.failed++;
		console.log('not ok ' + name);
		for (const d of details) for (const line of String(d).split('\n')) console.log('#   ' + line);
	}
	// Runs fn; a throw, a dialog or an uncaught error in page fails it.
	async test(name, page, fn) {
		const dialogs = page ? page.mlvDialogs.length : 0, errors = page ? page.mlvErrors.length : 0;
		try {
			await fn();
		} catch (e) {
			this.notOk(name, e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : e);
			return false;
		}
		if (page && page.mlvDialogs.length > dialogs) {
			this.notOk(name, 'a dialog opened: ' + page.mlvDialogs.slice(dialogs).join('; '));
			return false;
		}
		if (page && page.mlvErrors.length > errors) {
			this.notOk(name, 'the page threw: ' + page.mlvErrors.slice(errors).join('; '));
			return false;
		}
		this.ok(name);
		return true;
	}
	// The exit status: 1 when any test failed.
	finish() { return this.failed ? 1 : 0; }
}

// equal(what, got, want): throws with both values unless they are equal
// (compared as JSON).
export function equal(what, got, want) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g !== w) throw new Error(what + ':\n  got:  ' + g + '\n  want: ' + w);
}

export function assert(cond, what) { if (!cond) throw new Error(what); }
