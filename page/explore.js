/*
 * mlv-explore's page: one or two maps of N points, read from the elements
 * mlv-explore writes into it (the JSON of #mlv-meta and the base64 arrays of
 * #mlv-blob-NAME): hover, listen, select, colour, compare, export.
 *
 * Drawing: each frame bins the points in view into a per-pixel count image
 * (datashader-style aggregation, Jim Bednar et al.; colour = the mix of the
 * points' colours, alpha = log count). When few enough points are in view it
 * draws them one by one instead (WebGL2 points, or 2-D canvas arcs where
 * WebGL2 is missing), so a million points stay interactive on software GL.
 * Hover finds the nearest point through a uniform grid over the data.
 * Every piece of data text reaches the DOM through textContent.
 *
 * Test hook, window.mlvExplore (for tests/browser and bench/):
 *   ready                  true once the first frame is drawn
 *   data                   the decoded data (typed arrays, see readData)
 *   renderer(m)            'webgl2' or '2d': how map m draws points
 *   lod(m)                 'points' or 'density': the last frame's mode
 *   screenPoint(m, i)      {x, y}: viewport CSS pixels of point i in map m
 *   selection()            the selected point indices, ascending
 *   neighbours()           the point indices listed under "More like this"
 *   lastExport             {kind, name, text} of the last export
 *   timing                 {firstFrameMs (since navigation start),
 *                           frameMs (last frame, per map), selectMs (last
 *                           box/lasso/search), hoverMs (last hover lookup)}
 *   benchFrame(m, dx, dy, zoom)  pans by dx, dy CSS px and zooms by zoom
 *                          around the centre, draws synchronously, waits
 *                          for the GPU, and returns the milliseconds taken
 *   benchHover(m, count)   {ms, found}: mean milliseconds of count lookups
 *                          at random positions in map m
 *   pixel(m, layer, x, y)  [r, g, b, a] at viewport CSS pixel (x, y) of map
 *                          m's 'base' (points, image) or 'overlay' (rings)
 *   hovered()              the hovered point, or -1
 *   settled()              a promise resolved once pending frames are drawn
 *   stateHash()            the URL hash the current view state is saved as
 */
'use strict';
(function () {

/* ---------------------------------------------------------------- data */

const MISSING = 0xFFFFFFFF;

function readBlob(ref) {
	if (!ref) return null;
	const el = document.getElementById('mlv-blob-' + ref.blob);
	if (!el) throw new Error('data element mlv-blob-' + ref.blob + ' is missing');
	const Type = {f32: Float32Array, u32: Uint32Array, i32: Int32Array, u16: Uint16Array, u8: Uint8Array}[ref.type];
	if (!Type) throw new Error('blob ' + ref.blob + ': unknown type ' + ref.type);
	const bin = atob(el.textContent.trim());
	if (bin.length !== ref.length * Type.BYTES_PER_ELEMENT)
		throw new Error('blob ' + ref.blob + ': ' + bin.length + ' bytes, expected ' + ref.length * Type.BYTES_PER_ELEMENT);
	const bytes = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
	return new Type(bytes.buffer);
}

// Each point's record, row, start and end from the records' row counts
// and times: a record's rows are consecutive points.
function expandRecords(recs, n) {
	const record = new Uint32Array(n), row = new Uint32Array(n);
	const start = new Float64Array(n), end = new Float64Array(n);
	const num = x => x === null ? NaN : x;
	let i = 0;
	recs.rows.forEach((rows, r) => {
		if (i + rows > n) throw new Error('records hold more than ' + n + ' rows');
		const t0 = num(recs.t0[r]), dt = num(recs.dt[r]), dur = num(recs.dur[r]);
		for (let j = 0; j < rows; j++, i++) {
			record[i] = r;
			row[i] = j;
			start[i] = t0 + j * dt;
			end[i] = start[i] + dur;
		}
	});
	if (i !== n) throw new Error('records hold ' + i + ' rows, not ' + n);
	return {record, row, start, end};
}

// A label's per-record codes as per-point codes, MISSING where absent.
function labelCodes(ref, record) {
	const byRecord = readBlob(ref), none = 2 ** (8 * byRecord.BYTES_PER_ELEMENT) - 1;
	const codes = new Uint32Array(record.length);
	for (let i = 0; i < record.length; i++) {
		const c = byRecord[record[i]];
		codes[i] = c === none ? MISSING : c;
	}
	return codes;
}

function readData() {
	const meta = JSON.parse(document.getElementById('mlv-meta').textContent);
	const pts = expandRecords(meta.records, meta.n);
	const d = {
		title: meta.title || 'mlv explore',
		n: meta.n,
		maps: meta.maps.map(m => ({name: m.name, axes: m.axes || ['', ''], xy: readBlob(m.xy)})),
		ids: meta.records.id,
		names: meta.records.name,
		srcs: meta.records.src,
		record: pts.record,
		row: pts.row,
		start: pts.start,
		end: pts.end,
		labels: meta.labels.map(l => ({key: l.key, values: l.values, codes: labelCodes(l.codes, pts.record)})),
		clusters: meta.clusters ? {name: meta.clusters.name, codes: readBlob(meta.clusters.codes)} : null,
		columns: (meta.columns || []).map(c => ({name: c.name, values: readBlob(c.values)})),
		latent: meta.latent ? {dims: meta.latent.dims, names: meta.latent.names, values: readBlob(meta.latent.values)} : null,
		neighbours: meta.neighbours ? {k: meta.neighbours.k, index: readBlob(meta.neighbours.index), dist: readBlob(meta.neighbours.dist)} : null,
		audio: {mode: meta.audio.mode, url: meta.audio.url, clips: null},
		initial: meta.initial || {color: null},
	};
	if (meta.audio.clips)
		d.audio.clips = {data: readBlob(meta.audio.clips.data), offset: readBlob(meta.audio.clips.offset), mime: meta.audio.clips.mime};
	return d;
}

const D = readData();
const N = D.n;
const $ = id => document.getElementById(id);

/* -------------------------------------------------------------- colour */

// Okabe & Ito's eight colours, in mlv-plot's order (lib/plot.c)
const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000'];
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];
const GREY_RGB = [185, 185, 185];
const NONE_RGB = [150, 150, 150];
const ALPHA_REST = 110;

function hexRGB(h) { return [1, 3, 5].map(k => parseInt(h.slice(k, k + 2), 16)); }
function packRGBA(rgb, a) { return (rgb[0] | rgb[1] << 8 | rgb[2] << 16 | a << 24) >>> 0; }
function cssRGB(rgb) { return 'rgb(' + rgb[0] + ',' + rgb[1] + ',' + rgb[2] + ')'; }

function hslRGB(h, s, l) {
	const f = k => {
		const t = (k + h / 30) % 12;
		return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(t - 3, 9 - t, 1))));
	};
	return [f(0), f(8), f(4)];
}

function categoryRGB(c) {
	if (c < OKABE_ITO.length) return hexRGB(OKABE_ITO[c]);
	return hslRGB((c * 137.508) % 360, 0.65, 0.5);  // golden angle: neighbours differ
}

const RAMP = (function () {
	const stops = VIRIDIS.map(hexRGB), lut = [];
	for (let i = 0; i < 256; i++) {
		const t = i / 255 * (stops.length - 1), k = Math.min(stops.length - 2, Math.floor(t)), f = t - k;
		lut.push([0, 1, 2].map(c => Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f)));
	}
	return lut;
})();

/* --------------------------------------------------------------- state */

const S = {
	tool: 'pan',
	color: null,          // {kind: 'label'|'cluster'|'record'|'column', index, key}
	cat: new Uint32Array(N),
	catNames: [], catRGB: [], catCount: [], hidden: new Uint8Array(0),
	ramp: null,           // {min, max} when colouring by a column
	rgba: new Uint32Array(N), // each point's colour as drawn, alpha included
	shown: new Uint8Array(N), // 0: hidden by the legend, or no position
	emph: new Uint8Array(N),  // 1: selected and highlighted (or nothing is)
	sel: new Uint8Array(N), selCount: 0,
	highlight: null,      // {label, code}
	hover: -1,
	mlt: -1,              // the point whose neighbours are listed
	layers: {traj: false, avg: false},
	playing: null,        // the file the player was last given
};
const rgba8 = new Uint8Array(S.rgba.buffer);
const timing = {firstFrameMs: null, frameMs: [], selectMs: null, hoverMs: null};  // see mlvExplore

function categorize(color) {
	const cat = S.cat;
	let names, extraRGB = null;
	if (color.kind === 'label') {
		const l = D.labels[color.index], none = l.values.length;
		for (let i = 0; i < N; i++) cat[i] = l.codes[i] === MISSING ? none : l.codes[i];
		names = l.values.concat(['(none)']);
		extraRGB = NONE_RGB;
	} else if (color.kind === 'cluster') {
		const codes = D.clusters.codes, ids = Array.from(new Set(codes)).sort((a, b) => a - b);
		const index = new Map(ids.map((v, k) => [v, k]));
		for (let i = 0; i < N; i++) cat[i] = index.get(codes[i]);
		names = ids.map(v => v < 0 ? 'noise' : 'cluster ' + v);
		S.catRGB = ids.map((v, k) => v < 0 ? NONE_RGB : categoryRGB(k - (ids[0] < 0 ? 1 : 0)));
	} else {
		for (let i = 0; i < N; i++) cat[i] = D.record[i];
		names = D.ids.slice();
	}
	if (color.kind !== 'cluster') {
		S.catRGB = names.map((_, k) => categoryRGB(k));
		if (extraRGB) S.catRGB[names.length - 1] = extraRGB;
	}
	S.catNames = names;
	S.catCount = new Array(names.length).fill(0);
	for (let i = 0; i < N; i++) S.catCount[cat[i]]++;
	S.hidden = new Uint8Array(names.length);
}

function setColor(color) {
	S.color = color;
	S.ramp = null;
	if (color.kind === 'column') {
		const v = D.columns[color.index].values;
		let lo = Infinity, hi = -Infinity;
		for (let i = 0; i < N; i++) {
			if (v[i] < lo) lo = v[i];
			if (v[i] > hi) hi = v[i];
		}
		if (hi < lo) hi = lo;
		S.ramp = {min: lo, max: hi};
		S.catNames = []; S.hidden = new Uint8Array(0);
	} else {
		categorize(color);
	}
	restyle();
	buildLegend();
}

// Recomputes every point's drawn colour from the colouring, the legend's
// hidden categories, the selection and the highlight.
function restyle() {
	const anyEmph = S.selCount > 0 || S.highlight;
	const hl = S.highlight ? D.labels[S.highlight.label].codes : null, hlCode = S.highlight ? S.highlight.code : 0;
	const grey = packRGBA(GREY_RGB, ALPHA_REST);
	const cont = S.ramp ? D.columns[S.color.index].values : null;
	const pal = S.catRGB.map(c => packRGBA(c, 255));
	const rampPal = RAMP.map(c => packRGBA(c, 255)), nanColor = packRGBA(NONE_RGB, 255);
	const lo = S.ramp ? S.ramp.min : 0, scale = S.ramp && S.ramp.max > lo ? 255 / (S.ramp.max - lo) : 0;
	const xy0 = D.maps[0].xy;
	for (let i = 0; i < N; i++) {
		const positioned = xy0[2 * i] === xy0[2 * i] && xy0[2 * i + 1] === xy0[2 * i + 1];
		S.shown[i] = positioned && (cont || !S.hidden[S.cat[i]]) ? 1 : 0;
		const e = !anyEmph || ((S.selCount === 0 || S.sel[i]) && (!hl || hl[i] === hlCode));
		S.emph[i] = e ? 1 : 0;
		if (!e) S.rgba[i] = grey;
		else if (cont) {
			const v = cont[i];
			S.rgba[i] = v === v ? rampPal[Math.max(0, Math.min(255, Math.round((v - lo) * scale)))] : nanColor;
		} else S.rgba[i] = pal[S.cat[i]];
	}
}

/* ----------------------------------------------------------- the maps */

const POINT_LIMIT = 25000;  // above this many points in view, draw the density image
const HOVER_PX = 8;

function finiteBounds(xy) {
	let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
	for (let i = 0; i < N; i++) {
		const x = xy[2 * i], y = xy[2 * i + 1];
		if (!(x === x && y === y) || !isFinite(x) || !isFinite(y)) continue;
		if (x < x0) x0 = x; if (x > x1) x1 = x;
		if (y < y0) y0 = y; if (y > y1) y1 = y;
	}
	if (x0 > x1) { x0 = -1; x1 = 1; y0 = -1; y1 = 1; }
	if (x1 - x0 < 1e-12) { x0 -= 0.5; x1 += 0.5; }
	if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
	return {x0, x1, y0, y1};
}

// A uniform grid over the data: the points of cell c are
// items[start[c] .. start[c + 1]), so a hover looks at a few cells only.
function buildGrid(xy, b) {
	const g = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(N / 2))));
	const fx = g / (b.x1 - b.x0) * (1 - 1e-7), fy = g / (b.y1 - b.y0) * (1 - 1e-7);
	const cell = new Int32Array(N), start = new Uint32Array(g * g + 1);
	for (let i = 0; i < N; i++) {
		const cx = Math.floor((xy[2 * i] - b.x0) * fx), cy = Math.floor((xy[2 * i + 1] - b.y0) * fy);
		cell[i] = cx >= 0 && cx < g && cy >= 0 && cy < g ? cy * g + cx : -1;
		if (cell[i] >= 0) start[cell[i] + 1]++;
	}
	for (let c = 0; c < g * g; c++) start[c + 1] += start[c];
	const fill = start.slice(0, g * g), items = new Uint32Array(start[g * g]);
	for (let i = 0; i < N; i++) if (cell[i] >= 0) items[fill[cell[i]]++] = i;
	return {g, fx, fy, x0: b.x0, y0: b.y0, start, items};
}

const maps = D.maps.map((dm, k) => createMap(dm, k));

function createMap(dm, k) {
	const panel = document.createElement('div');
	panel.className = 'map';
	const title = document.createElement('div');
	title.className = 'map-title';
	title.textContent = dm.name;
	const stage = document.createElement('div');
	stage.className = 'map-stage tool-pan';
	const [dens, glc, layers, overlay] = [0, 1, 2, 3].map(() => document.createElement('canvas'));
	layers.className = 'layers';
	glc.hidden = true;
	overlay.className = 'overlay';
	overlay.setAttribute('aria-label', 'map ' + (k + 1) + ': ' + dm.name);
	overlay.dataset.map = String(k);
	const ax = document.createElement('div'), ay = document.createElement('div'), lod = document.createElement('div');
	ax.className = 'axis x'; ax.textContent = dm.axes[0] || '';
	ay.className = 'axis y'; ay.textContent = dm.axes[1] || '';
	lod.className = 'lod';
	stage.append(dens, glc, layers, overlay, ax, ay, lod);
	panel.append(title, stage);
	$('maps').append(panel);
	const bounds = finiteBounds(dm.xy);
	const m = {
		k, xy: dm.xy, bounds, grid: buildGrid(dm.xy, bounds), stage, dens, glc, layers, overlay, lodEl: lod,
		W: 1, H: 1, dpr: 1, cssW: 1, cssH: 1, view: null, mode: 'density',
		d2: make2D(dens), gl: null, glTried: false,
		acc: null, vis: new Uint32Array(N),
		drag: null, averages: null,
	};
	return m;
}

function fitView(m) {
	const b = m.bounds;
	const s = 0.92 * Math.min(m.cssW / (b.x1 - b.x0), m.cssH / (b.y1 - b.y0));
	return {cx: (b.x0 + b.x1) / 2, cy: (b.y0 + b.y1) / 2, s};
}

// Sizes the canvases to the stage; false when nothing changed (resizing a
// canvas clears it).
function resize(m) {
	const r = m.stage.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
	const cssW = Math.max(1, r.width), cssH = Math.max(1, r.height);
	if (m.acc && cssW === m.cssW && cssH === m.cssH && dpr === m.dpr) return false;
	m.cssW = cssW; m.cssH = cssH;
	m.dpr = dpr;
	m.W = Math.max(1, Math.round(m.cssW * dpr)); m.H = Math.max(1, Math.round(m.cssH * dpr));
	for (const c of [m.dens, m.glc, m.layers, m.overlay]) { c.width = m.W; c.height = m.H; }
	const P = m.W * m.H;
	// per pixel: count, red, green and blue sums of the emphasised points side
	// by side (one cache line per point binned), and the count of the rest
	m.acc = {e: new Uint32Array(P * 4), bCnt: new Uint32Array(P), img: new Uint8ClampedArray(P * 4)};
	if (!m.view) m.view = fitView(m);
	return true;
}

// data -> backing-store pixels: px = ox + x * s, py = oy - y * s
function transform(m) {
	const s = m.view.s * m.dpr;
	return {s, ox: m.W / 2 - m.view.cx * s, oy: m.H / 2 + m.view.cy * s};
}

function toData(m, cssX, cssY) {
	return {x: m.view.cx + (cssX - m.cssW / 2) / m.view.s, y: m.view.cy - (cssY - m.cssH / 2) / m.view.s};
}

/* ---------------------------------------------------------- renderers */

function compile(gl, vs, fs) {
	const p = gl.createProgram();
	for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
		const sh = gl.createShader(type);
		gl.shaderSource(sh, src);
		gl.compileShader(sh);
		if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(sh));
		gl.attachShader(p, sh);
	}
	gl.linkProgram(p);
	if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
	return p;
}

function makeWebGL(canvas) {
	let gl = null;
	try {
		gl = canvas.getContext('webgl2', {antialias: false, alpha: false, preserveDrawingBuffer: true});
	} catch (e) { gl = null; }
	if (!gl) return null;
	let points;
	try {
		points = compile(gl, `#version 300 es
			in vec2 a_pos; in vec4 a_col;
			uniform vec2 u_size; uniform float u_psize; uniform float u_alpha;
			out vec4 v_col;
			void main() {
				gl_Position = vec4(a_pos.x / u_size.x * 2.0 - 1.0, 1.0 - a_pos.y / u_size.y * 2.0, 0.0, 1.0);
				gl_PointSize = u_psize;
				v_col = vec4(a_col.rgb, a_col.a * u_alpha);
			}`, `#version 300 es
			precision mediump float;
			in vec4 v_col; out vec4 o;
			void main() {
				vec2 d = gl_PointCoord - 0.5;
				if (dot(d, d) > 0.25) discard;
				o = v_col;
			}`);
	} catch (e) {
		return null;
	}
	const posBuf = gl.createBuffer(), colBuf = gl.createBuffer();
	const vao = gl.createVertexArray();
	gl.bindVertexArray(vao);
	gl.bindBuffer(gl.ARRAY_BUFFER, posBuf);
	const aPos = gl.getAttribLocation(points, 'a_pos'), aCol = gl.getAttribLocation(points, 'a_col');
	gl.enableVertexAttribArray(aPos);
	gl.vertexAttribPointer(aPos, 2, gl.FLOAT, false, 0, 0);
	gl.bindBuffer(gl.ARRAY_BUFFER, colBuf);
	gl.enableVertexAttribArray(aCol);
	gl.vertexAttribPointer(aCol, 4, gl.UNSIGNED_BYTE, true, 0, 0);
	gl.bindVertexArray(null);
	const u = name => gl.getUniformLocation(points, name);
	const uSize = u('u_size'), uPsize = u('u_psize'), uAlpha = u('u_alpha');
	return {
		kind: 'webgl2',
		points(W, H, pos, col, count, size, alpha) {
			gl.viewport(0, 0, W, H);
			gl.clearColor(1, 1, 1, 1);
			gl.clear(gl.COLOR_BUFFER_BIT);
			gl.enable(gl.BLEND);
			gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
			gl.useProgram(points);
			gl.bindVertexArray(vao);
			gl.bindBuffer(gl.ARRAY_BUFFER, posBuf);
			gl.bufferData(gl.ARRAY_BUFFER, pos.subarray(0, 2 * count), gl.STREAM_DRAW);
			gl.bindBuffer(gl.ARRAY_BUFFER, colBuf);
			gl.bufferData(gl.ARRAY_BUFFER, col.subarray(0, 4 * count), gl.STREAM_DRAW);
			gl.uniform2f(uSize, W, H);
			gl.uniform1f(uPsize, size);
			gl.uniform1f(uAlpha, alpha);
			gl.drawArrays(gl.POINTS, 0, count);
			gl.bindVertexArray(null);
		},
		sync() { gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4)); },
	};
}

function make2D(canvas) {
	const ctx = canvas.getContext('2d');
	return {
		kind: '2d',
		points(W, H, pos, col, count, size, alpha) {
			ctx.clearRect(0, 0, W, H);
			const r = size / 2;
			let last = -1;
			ctx.beginPath();
			for (let j = 0; j < count; j++) {
				const c = (col[4 * j] | col[4 * j + 1] << 8 | col[4 * j + 2] << 16 | col[4 * j + 3] << 24) >>> 0;
				if (c !== last) {
					ctx.fill();
					ctx.beginPath();
					ctx.fillStyle = 'rgba(' + col[4 * j] + ',' + col[4 * j + 1] + ',' + col[4 * j + 2] + ',' + (col[4 * j + 3] / 255 * alpha) + ')';
					last = c;
				}
				ctx.moveTo(pos[2 * j] + r, pos[2 * j + 1]);
				ctx.arc(pos[2 * j], pos[2 * j + 1], r, 0, 2 * Math.PI);
			}
			ctx.fill();
		},
		image(W, H, img) { ctx.putImageData(new ImageData(img, W, H), 0, 0); },
		clear(W, H) { ctx.clearRect(0, 0, W, H); },
		sync() { ctx.getImageData(0, 0, 1, 1); },
	};
}

/* ------------------------------------------------------------ drawing */

// The density image goes to a 2-D canvas (putImageData): uploading it as a
// texture costs software GL more than the whole binning pass. WebGL2 draws
// the points of sparse views, on a canvas of its own above it, made when
// first needed, since making a context costs SwiftShader half a second.
function pointRenderer(m) {
	if (!m.glTried) {
		m.glTried = true;
		m.gl = makeWebGL(m.glc);
	}
	return m.gl || m.d2;
}

const posScratch = new Float32Array(2 * POINT_LIMIT), colScratch = new Uint8Array(4 * POINT_LIMIT);

// One frame of map m: a pass over all points bins those in view and lists
// them (the rest first, emphasised ones last, so they are drawn on top).
function drawBase(m) {
	const t0 = performance.now();
	const {s, ox, oy} = transform(m), W = m.W, H = m.H, xy = m.xy, a = m.acc, vis = m.vis;
	a.e.fill(0);
	a.bCnt.fill(0);
	const e = a.e, bCnt = a.bCnt, shown = S.shown, emph = S.emph;
	let lo = 0, hi = N;
	for (let i = 0; i < N; i++) {
		if (!shown[i]) continue;
		const px = ox + xy[2 * i] * s, py = oy - xy[2 * i + 1] * s;
		if (!(px >= 0 && px < W && py >= 0 && py < H)) continue;
		const p = (py | 0) * W + (px | 0);
		if (emph[i]) {
			const q = p << 2, c = i << 2;
			e[q]++; e[q + 1] += rgba8[c]; e[q + 2] += rgba8[c + 1]; e[q + 3] += rgba8[c + 2];
			vis[--hi] = i;
		} else {
			bCnt[p]++;
			vis[lo++] = i;
		}
	}
	const count = lo + N - hi;
	if (count <= POINT_LIMIT) {
		m.mode = 'points';
		let j = 0;
		const put = i => {
			posScratch[2 * j] = ox + xy[2 * i] * s;
			posScratch[2 * j + 1] = oy - xy[2 * i + 1] * s;
			colScratch[4 * j] = rgba8[4 * i]; colScratch[4 * j + 1] = rgba8[4 * i + 1];
			colScratch[4 * j + 2] = rgba8[4 * i + 2]; colScratch[4 * j + 3] = rgba8[4 * i + 3];
			j++;
		};
		for (let q = 0; q < lo; q++) put(vis[q]);
		for (let q = N - 1; q >= hi; q--) put(vis[q]);
		// sparse views get bigger, more opaque points
		const area = m.cssW * m.cssH / Math.max(1, count);
		const size = Math.max(2.5, Math.min(9, Math.sqrt(area) * 0.35)) * m.dpr;
		const alpha = Math.max(0.55, Math.min(0.95, 0.4 + area / 400));
		const r = pointRenderer(m);
		if (r === m.gl) m.d2.clear(W, H);
		m.glc.hidden = r !== m.gl;
		r.points(W, H, posScratch, colScratch, count, size, alpha);
	} else {
		m.mode = 'density';
		composeDensity(m);
		m.d2.image(W, H, a.img);
		m.glc.hidden = true;
	}
	m.lodEl.textContent = count.toLocaleString('en') + ' in view · ' + (m.mode === 'points' ? 'points, ' + pointRenderer(m).kind : 'density image');
	timing.frameMs[m.k] = performance.now() - t0;
}

function logLUT(max, lo, span) {
	const lut = new Uint8Array(max + 1), f = max > 1 ? span / Math.log1p(max) : 0;
	for (let c = 1; c <= max; c++) lut[c] = Math.round(lo + (max > 1 ? Math.log1p(c) * f : span));
	return lut;
}

function composeDensity(m) {
	const a = m.acc, P = m.W * m.H, img = a.img, e = a.e;
	let maxE = 0, maxB = 0;
	for (let p = 0; p < P; p++) {
		if (e[p << 2] > maxE) maxE = e[p << 2];
		if (a.bCnt[p] > maxB) maxB = a.bCnt[p];
	}
	const aE = logLUT(maxE, 110, 145), aB = logLUT(maxB, 45, 90);
	for (let p = 0, q = 0; p < P; p++, q += 4) {
		const c = e[q];
		if (c) {
			img[q] = e[q + 1] / c; img[q + 1] = e[q + 2] / c; img[q + 2] = e[q + 3] / c; img[q + 3] = aE[c];
		} else if (a.bCnt[p]) {
			img[q] = GREY_RGB[0]; img[q + 1] = GREY_RGB[1]; img[q + 2] = GREY_RGB[2]; img[q + 3] = aB[a.bCnt[p]];
		} else {
			img[q + 3] = 0;
		}
	}
}

// record -> its points in row order: recPoints[recStart[r] .. recStart[r + 1])
const recIndex = (function () {
	const R = D.ids.length, start = new Uint32Array(R + 1), pts = new Uint32Array(N);
	for (let i = 0; i < N; i++) start[D.record[i] + 1]++;
	for (let r = 0; r < R; r++) start[r + 1] += start[r];
	const fill = start.slice(0, R);
	for (let i = 0; i < N; i++) pts[fill[D.record[i]]++] = i;
	for (let r = 0; r < R; r++) {
		const seg = pts.subarray(start[r], start[r + 1]);
		let sorted = true;
		for (let j = 1; j < seg.length && sorted; j++) sorted = D.row[seg[j - 1]] <= D.row[seg[j]];
		if (!sorted) seg.set(Array.from(seg).sort((p, q) => D.row[p] - D.row[q]));
	}
	return {start, pts};
})();

const LAYER_VERTEX_CAP = 200000;

// The records the layers draw: those with a selected point, else all.
function layerRecords() {
	const R = D.ids.length, want = new Uint8Array(R);
	if (S.selCount) { for (let i = 0; i < N; i++) if (S.sel[i]) want[D.record[i]] = 1; }
	else want.fill(1);
	return want;
}

function recordAverages(m) {
	if (m.averages) return m.averages;
	const R = D.ids.length, mx = new Float64Array(R), my = new Float64Array(R), sp = new Float64Array(R), n = new Uint32Array(R);
	for (let i = 0; i < N; i++) {
		const x = m.xy[2 * i], y = m.xy[2 * i + 1];
		if (!(x === x && y === y)) continue;
		const r = D.record[i];
		mx[r] += x; my[r] += y; n[r]++;
	}
	for (let r = 0; r < R; r++) if (n[r]) { mx[r] /= n[r]; my[r] /= n[r]; }
	for (let i = 0; i < N; i++) {
		const x = m.xy[2 * i], y = m.xy[2 * i + 1];
		if (!(x === x && y === y)) continue;
		const r = D.record[i];
		sp[r] += (x - mx[r]) ** 2 + (y - my[r]) ** 2;
	}
	// spread: the root mean square distance of the record's points from its mean
	for (let r = 0; r < R; r++) if (n[r]) sp[r] = Math.sqrt(sp[r] / n[r]);
	m.averages = {mx, my, sp, n};
	return m.averages;
}

function rgbaCSS(c, alpha) {
	return 'rgba(' + (c & 255) + ',' + (c >> 8 & 255) + ',' + (c >> 16 & 255) + ',' + alpha + ')';
}

function drawLayers(m) {
	const ctx = m.layers.getContext('2d');
	ctx.clearRect(0, 0, m.W, m.H);
	if (!S.layers.traj && !S.layers.avg) return;
	const {s, ox, oy} = transform(m), want = layerRecords(), R = D.ids.length;
	// a record is drawn in the colour of its first emphasised point, or grey
	const firstShown = r => {
		let first = -1;
		for (let j = recIndex.start[r]; j < recIndex.start[r + 1]; j++) {
			const i = recIndex.pts[j];
			if (S.shown[i] && S.emph[i]) return i;
			if (S.shown[i] && first < 0) first = i;
		}
		return first;
	};
	if (S.layers.traj) {
		let budget = LAYER_VERTEX_CAP;
		ctx.lineWidth = 1.2 * m.dpr;
		for (let r = 0; r < R && budget > 0; r++) {
			const i0 = want[r] ? firstShown(r) : -1;
			if (i0 < 0) continue;
			ctx.strokeStyle = rgbaCSS(S.rgba[i0], 0.55);
			ctx.beginPath();
			let pen = false;
			for (let j = recIndex.start[r]; j < recIndex.start[r + 1]; j++) {
				const i = recIndex.pts[j];
				if (!S.shown[i]) continue;
				const px = ox + m.xy[2 * i] * s, py = oy - m.xy[2 * i + 1] * s;
				if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
				pen = true;
				budget--;
			}
			ctx.stroke();
		}
	}
	if (S.layers.avg) {
		const av = recordAverages(m);
		for (let r = 0; r < R; r++) {
			const i0 = want[r] ? firstShown(r) : -1;
			if (i0 < 0 || !av.n[r]) continue;
			const px = ox + av.mx[r] * s, py = oy - av.my[r] * s;
			ctx.beginPath();
			ctx.arc(px, py, Math.max(2, av.sp[r] * s), 0, 2 * Math.PI);
			ctx.fillStyle = rgbaCSS(S.rgba[i0], 0.07);
			ctx.strokeStyle = rgbaCSS(S.rgba[i0], 0.8);
			ctx.lineWidth = 1.5 * m.dpr;
			ctx.fill();
			ctx.stroke();
			ctx.beginPath();
			ctx.arc(px, py, 3.5 * m.dpr, 0, 2 * Math.PI);
			ctx.fillStyle = rgbaCSS(S.rgba[i0], 1);
			ctx.fill();
		}
	}
}

function ring(ctx, m, i, radius, color, width) {
	const {s, ox, oy} = transform(m);
	const px = ox + m.xy[2 * i] * s, py = oy - m.xy[2 * i + 1] * s;
	if (!(px === px && py === py)) return;
	ctx.beginPath();
	ctx.arc(px, py, radius * m.dpr, 0, 2 * Math.PI);
	ctx.strokeStyle = color;
	ctx.lineWidth = width * m.dpr;
	ctx.stroke();
}

function drawOverlay(m) {
	const ctx = m.overlay.getContext('2d');
	ctx.clearRect(0, 0, m.W, m.H);
	if (S.mlt >= 0) {
		for (const j of mltList) ring(ctx, m, j, 6, '#d55e00', 2);
		ring(ctx, m, S.mlt, 8, '#000', 2.5);
	}
	if (S.hover >= 0) {
		ring(ctx, m, S.hover, 9, '#fff', 4);
		ring(ctx, m, S.hover, 9, '#000', 1.5);
	}
	const d = m.drag;
	if (d && d.tool !== 'pan' && d.path.length > 1) {
		const dp = m.dpr;
		ctx.beginPath();
		if (d.tool === 'box') {
			const [a, b] = [d.path[0], d.path[d.path.length - 1]];
			ctx.rect(a[0] * dp, a[1] * dp, (b[0] - a[0]) * dp, (b[1] - a[1]) * dp);
		} else {
			d.path.forEach(([x, y], j) => j ? ctx.lineTo(x * dp, y * dp) : ctx.moveTo(x * dp, y * dp));
			ctx.closePath();
		}
		ctx.fillStyle = 'rgba(42,110,187,0.1)';
		ctx.fill();
		ctx.setLineDash([5 * dp, 4 * dp]);
		ctx.strokeStyle = '#2a6ebb';
		ctx.lineWidth = 1.5 * dp;
		ctx.stroke();
		ctx.setLineDash([]);
	}
}

// requestFrame(m) redraws map m (panned or zoomed), requestFrame() every
// map (new colours or selection), once per animation frame.
const framesDue = new Set();
let overlayPending = false;
function requestFrame(only) {
	if (!framesDue.size)
		requestAnimationFrame(() => {
			for (const m of framesDue) { drawBase(m); drawLayers(m); drawOverlay(m); }
			framesDue.clear();
			saveHashSoon();
		});
	for (const m of only ? [only] : maps) framesDue.add(m);
}
function requestOverlay() {
	if (overlayPending) return;
	overlayPending = true;
	requestAnimationFrame(() => { overlayPending = false; for (const m of maps) drawOverlay(m); });
}

/* ------------------------------------------------------------- hover */

// The nearest shown point within HOVER_PX of (cssX, cssY), or -1.
function pick(m, cssX, cssY) {
	const p = toData(m, cssX, cssY), r = HOVER_PX / m.view.s, g = m.grid;
	const cx0 = Math.max(0, Math.floor((p.x - r - g.x0) * g.fx)), cx1 = Math.min(g.g - 1, Math.floor((p.x + r - g.x0) * g.fx));
	const cy0 = Math.max(0, Math.floor((p.y - r - g.y0) * g.fy)), cy1 = Math.min(g.g - 1, Math.floor((p.y + r - g.y0) * g.fy));
	let best = -1, bestD = r * r;
	for (let cy = cy0; cy <= cy1; cy++)
		for (let cx = cx0; cx <= cx1; cx++) {
			const c = cy * g.g + cx;
			for (let q = g.start[c]; q < g.start[c + 1]; q++) {
				const i = g.items[q];
				if (!S.shown[i]) continue;
				const dx = m.xy[2 * i] - p.x, dy = m.xy[2 * i + 1] - p.y, dd = dx * dx + dy * dy;
				if (dd <= bestD) { bestD = dd; best = i; }
			}
		}
	return best;
}

function fmtTime(t) { return String(Math.round(t * 1000) / 1000); }

function timeText(i) {
	const a = D.start[i], b = D.end[i];
	if (a !== a) return null;
	return fmtTime(a) + (b === b ? '–' + fmtTime(b) : '') + ' s';
}

function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls) e.className = cls;
	if (text !== undefined) e.textContent = text;
	return e;
}

function keyName(key) { return key.startsWith('label.') ? key.slice(6) : key; }

function fillTooltip(i) {
	const tip = $('tooltip'), r = D.record[i];
	tip.replaceChildren();
	tip.append(el('div', 'tip-id', D.names[r]));
	const line = (k, v) => {
		const d = el('div');
		d.append(el('span', 'tip-key', k + ': '), document.createTextNode(v));
		tip.append(d);
	};
	if (D.srcs[r] !== null && D.srcs[r] !== undefined) line('file', D.srcs[r]);
	const t = timeText(i);
	if (t) line('time', t);
	line('row', String(D.row[i]));
	for (const l of D.labels) line(keyName(l.key), l.codes[i] === MISSING ? '—' : l.values[l.codes[i]]);
	if (D.clusters) line(D.clusters.name, String(D.clusters.codes[i]));
	for (const c of D.columns) line(c.name, String(Math.round(c.values[i] * 1e4) / 1e4));
}

function showTooltip(i, clientX, clientY) {
	const tip = $('tooltip');
	fillTooltip(i);
	tip.hidden = false;
	const w = tip.offsetWidth, h = tip.offsetHeight;
	let x = clientX + 14, y = clientY + 14;
	if (x + w > window.innerWidth - 4) x = clientX - w - 14;
	if (y + h > window.innerHeight - 4) y = clientY - h - 14;
	tip.style.left = Math.max(0, x) + 'px';
	tip.style.top = Math.max(0, y) + 'px';
}

function setHover(i) {
	if (i === S.hover) return;
	S.hover = i;
	requestOverlay();
}

/* ------------------------------------------------------------- audio */

const player = $('player');
let clipURL = null;

function showMessage(text) {
	const box = $('message');
	box.textContent = text;
	box.hidden = false;
}
function hideMessage() { $('message').hidden = true; }

function audioFile(r) {
	if (D.audio.mode === 'url' && D.audio.url) return D.audio.url[r];
	return D.srcs[r] !== null && D.srcs[r] !== undefined ? D.srcs[r] : D.ids[r];
}

function play(i) {
	const r = D.record[i], a = D.start[i], b = D.end[i];
	let src;
	if (D.audio.mode === 'url' && D.audio.url && D.audio.url[r]) {
		src = D.audio.url[r];
		if (a === a) src += '#t=' + fmtTime(a) + (b === b ? ',' + fmtTime(b) : '');
		S.playing = D.audio.url[r];
	} else if (D.audio.mode === 'embedded' && D.audio.clips) {
		const c = D.audio.clips;
		if (clipURL) URL.revokeObjectURL(clipURL);
		clipURL = URL.createObjectURL(new Blob([c.data.subarray(c.offset[i], c.offset[i + 1])], {type: c.mime}));
		src = clipURL;
		S.playing = D.ids[r];
	} else {
		showMessage('No audio for ' + D.ids[r] + ': the page knows no file or clip for it.');
		return;
	}
	player.src = src;
	const t = timeText(i);
	$('now-playing').textContent = '▶ ' + D.names[r] + (t ? ' · ' + t : '');
	const p = player.play();
	if (p) p.catch(() => {});
}

player.addEventListener('error', () => {
	if (!player.getAttribute('src')) return;
	showMessage('Cannot play ' + S.playing + ': the audio file is missing or unreadable.');
});
player.addEventListener('playing', hideMessage);

/* --------------------------------------------------------- selection */

function setSelection(hit, mode) {
	const sel = S.sel;
	if (mode === 'replace') sel.fill(0);
	for (let i = 0; i < N; i++)
		if (hit[i] && S.shown[i]) sel[i] = mode === 'remove' ? 0 : 1;
	let c = 0;
	for (let i = 0; i < N; i++) c += sel[i];
	S.selCount = c;
	selectionChanged();
}

// The panels follow once the maps have their new colours.
let panelsTimer = 0;
function selectionChanged() {
	restyle();
	requestFrame();
	clearTimeout(panelsTimer);
	panelsTimer = setTimeout(updatePanels, 0);
}

function modeOf(e) { return e.shiftKey ? 'add' : e.altKey ? 'remove' : 'replace'; }

function selectBox(m, a, b, mode) {
	const t0 = performance.now();
	const p = toData(m, Math.min(a[0], b[0]), Math.min(a[1], b[1])), q = toData(m, Math.max(a[0], b[0]), Math.max(a[1], b[1]));
	const hit = new Uint8Array(N), xy = m.xy;
	for (let i = 0; i < N; i++) {
		const x = xy[2 * i], y = xy[2 * i + 1];
		hit[i] = x >= p.x && x <= q.x && y <= p.y && y >= q.y ? 1 : 0;
	}
	setSelection(hit, mode);
	timing.selectMs = performance.now() - t0;
}

// The lasso is rasterised into a mask at screen resolution, so each point
// costs one lookup whatever the lasso's length.
function selectLasso(m, path, mode) {
	const t0 = performance.now();
	const W = Math.ceil(m.cssW), H = Math.ceil(m.cssH);
	const c = document.createElement('canvas');
	c.width = W; c.height = H;
	const ctx = c.getContext('2d', {willReadFrequently: true});
	ctx.beginPath();
	path.forEach(([x, y], j) => j ? ctx.lineTo(x, y) : ctx.moveTo(x, y));
	ctx.closePath();
	ctx.fill();
	const mask = ctx.getImageData(0, 0, W, H).data;
	const s = m.view.s, ox = m.cssW / 2 - m.view.cx * s, oy = m.cssH / 2 + m.view.cy * s;
	const hit = new Uint8Array(N), xy = m.xy;
	for (let i = 0; i < N; i++) {
		const px = ox + xy[2 * i] * s, py = oy - xy[2 * i + 1] * s;
		if (px >= 0 && px < W && py >= 0 && py < H && mask[((py | 0) * W + (px | 0)) * 4 + 3] > 127) hit[i] = 1;
	}
	setSelection(hit, mode);
	timing.selectMs = performance.now() - t0;
}

function selectWhere(test) {
	const hit = new Uint8Array(N);
	for (let i = 0; i < N; i++) hit[i] = test(i) ? 1 : 0;
	setSelection(hit, 'replace');
}

function search(text) {
	const t0 = performance.now();
	const q = text.trim().toLowerCase();
	if (!q) { selectWhere(() => false); return; }
	const has = v => v !== null && v !== undefined && String(v).toLowerCase().includes(q);
	const recHit = D.ids.map((id, r) => has(id) || has(D.srcs[r]));
	const valHit = D.labels.map(l => l.values.map(has));
	selectWhere(i => recHit[D.record[i]] || D.labels.some((l, k) => l.codes[i] !== MISSING && valHit[k][l.codes[i]]));
	timing.selectMs = performance.now() - t0;
}

/* ---------------------------------------------------- more like this */

let mltList = [];

function moreLikeThis(i) {
	S.mlt = i;
	const box = $('more-like-this'), list = $('mlt-list');
	box.hidden = false;
	list.replaceChildren();
	mltList = [];
	const t = timeText(i);
	$('mlt-of').textContent = 'Nearest to ' + D.names[D.record[i]] + (t ? ' · ' + t : '') + ':';
	if (!D.neighbours) {
		$('mlt-of').textContent = 'This page holds no neighbours (make it with --latent or --neighbours).';
		requestOverlay();
		return;
	}
	const k = D.neighbours.k;
	for (let q = 0; q < k; q++) {
		const j = D.neighbours.index[i * k + q];
		if (j >= N) continue;
		mltList.push(j);
		const li = el('li');
		li.dataset.index = String(j);
		const btn = el('button', null, '▶');
		btn.type = 'button';
		btn.title = 'play';
		btn.addEventListener('click', () => play(j));
		const tj = timeText(j);
		li.append(btn, document.createTextNode(D.names[D.record[j]] + (tj ? ' · ' + tj : '') +
			' (d=' + (Math.round(D.neighbours.dist[i * k + q] * 1e4) / 1e4) + ')'));
		li.addEventListener('mouseenter', () => setHover(j));
		list.append(li);
	}
	requestOverlay();
}

/* ------------------------------------------------------------ panels */

function buildLegend() {
	const box = $('legend');
	box.replaceChildren();
	if (S.ramp) {
		const ramp = el('div', 'legend-ramp');
		ramp.style.background = 'linear-gradient(to right,' + VIRIDIS.join(',') + ')';
		const range = el('div', 'legend-range');
		range.append(el('span', null, String(Math.round(S.ramp.min * 1e4) / 1e4)),
			el('span', null, D.columns[S.color.index].name),
			el('span', null, String(Math.round(S.ramp.max * 1e4) / 1e4)));
		box.append(ramp, range);
		return;
	}
	const LIMIT = 200;
	S.catNames.forEach((name, c) => {
		if (c >= LIMIT || !S.catCount[c]) return;
		const item = el('div', 'legend-item');
		item.dataset.category = String(c);
		item.setAttribute('role', 'button');
		item.title = 'click to hide or show';
		const sw = el('span', 'swatch');
		sw.style.background = cssRGB(S.catRGB[c]);
		item.append(sw, el('span', 'name', name), el('span', 'count', S.catCount[c].toLocaleString('en')));
		item.addEventListener('click', () => {
			S.hidden[c] ^= 1;
			item.classList.toggle('off', !!S.hidden[c]);
			restyle();
			requestFrame();
		});
		box.append(item);
	});
	if (S.catNames.length > LIMIT) box.append(el('p', 'dim', '… and ' + (S.catNames.length - LIMIT) + ' more'));
}

function buildColorMenu() {
	const menu = $('color'), options = [];
	D.labels.forEach((l, k) => options.push([l.key, {kind: 'label', index: k, key: l.key}]));
	if (D.clusters) options.push(['cluster', {kind: 'cluster', key: 'cluster'}]);
	D.columns.forEach((c, k) => options.push(['column ' + c.name, {kind: 'column', index: k, key: 'column:' + c.name}]));
	options.push(['record', {kind: 'record', key: 'record'}]);
	for (const [text, color] of options) {
		const o = el('option', null, text);
		o.value = color.key;
		menu.append(o);
	}
	menu.addEventListener('change', () => {
		setColor(options.find(([, c]) => c.key === menu.value)[1]);
		requestFrame();
	});
	return options.map(([, c]) => c);
}

function countCodes(codes, len) {
	const n = new Array(len + 1).fill(0);
	for (let i = 0; i < N; i++) n[codes[i] === MISSING ? len : codes[i]]++;
	return n;
}

function buildLabelMenus() {
	const box = $('label-menus'), hl = $('highlight');
	const none = el('option', null, '(none)');
	none.value = '';
	hl.append(none);
	D.labels.forEach((l, k) => {
		const counts = countCodes(l.codes, l.values.length);
		const label = el('label', null, 'Select ' + keyName(l.key) + ' ');
		const menu = el('select');
		menu.dataset.label = l.key;
		const first = el('option', null, '—');
		first.value = '';
		menu.append(first);
		const group = el('optgroup');
		group.label = l.key;
		l.values.forEach((v, c) => {
			const o = el('option', null, v + ' (' + counts[c] + ')');
			o.value = String(c);
			menu.append(o);
			const h = el('option', null, v);
			h.value = k + ':' + c;
			group.append(h);
		});
		hl.append(group);
		menu.addEventListener('change', () => {
			if (menu.value === '') return;
			const code = Number(menu.value);
			selectWhere(i => l.codes[i] === code);
		});
		label.append(menu);
		box.append(label);
	});
	hl.addEventListener('change', () => {
		setHighlight(hl.value);
		requestFrame();
	});
}

function setHighlight(value) {
	if (!value) S.highlight = null;
	else {
		const [label, code] = value.split(':').map(Number);
		S.highlight = D.labels[label] && code < D.labels[label].values.length ? {label, code} : null;
	}
	$('highlight').value = S.highlight ? S.highlight.label + ':' + S.highlight.code : '';
	restyle();
}

// The points the selection panels describe: the selection, or all.
function subject() {
	const idx = [];
	for (let i = 0; i < N; i++) if (S.selCount ? S.sel[i] : S.shown[i]) idx.push(i);
	return idx;
}

function updatePanels() {
	$('sel-count').textContent = S.selCount
		? S.selCount.toLocaleString('en') + ' of ' + N.toLocaleString('en') + ' points selected'
		: 'Nothing selected (' + N.toLocaleString('en') + ' points). Drag with Box or Lasso; shift adds, alt removes.';
	const idx = subject();
	const hist = $('histograms');
	hist.replaceChildren();
	for (const l of D.labels) {
		const n = new Array(l.values.length + 1).fill(0);
		for (const i of idx) n[l.codes[i] === MISSING ? l.values.length : l.codes[i]]++;
		const order = n.map((c, k) => [c, k]).filter(([c]) => c).sort((p, q) => q[0] - p[0]).slice(0, 8);
		const block = el('div', 'hist');
		block.dataset.label = l.key;
		block.append(el('div', 'hist-key', keyName(l.key) + (S.selCount ? ' in the selection' : ' (all points)')));
		const top = order.length ? order[0][0] : 1;
		for (const [c, k] of order) {
			const row = el('div', 'hist-row');
			const bar = el('div', 'hist-bar');
			bar.style.width = Math.max(1, 120 * c / top) + 'px';
			row.append(el('span', 'hist-name', k < l.values.length ? l.values[k] : '(none)'), bar, el('span', 'hist-n', c.toLocaleString('en')));
			block.append(row);
		}
		hist.append(block);
	}
	drawLatent(idx);
}

function sample(idx, max) {
	if (idx.length <= max) return idx;
	const out = [], step = idx.length / max;
	for (let q = 0; q < max; q++) out.push(idx[Math.floor(q * step)]);
	return out;
}

let latentRange = null;

function drawLatent(idx) {
	const L = D.latent;
	if (!L || !L.dims) return;
	$('latent-views').hidden = false;
	const dims = L.dims, v = L.values;
	if (!latentRange) {
		const lo = new Float64Array(dims).fill(Infinity), hi = new Float64Array(dims).fill(-Infinity);
		for (let i = 0; i < N; i++)
			for (let d = 0; d < dims; d++) {
				const x = v[i * dims + d];
				if (x < lo[d]) lo[d] = x;
				if (x > hi[d]) hi[d] = x;
			}
		latentRange = {lo, hi};
	}
	const mean = new Float64Array(dims), vr = new Float64Array(dims);
	for (const i of idx) for (let d = 0; d < dims; d++) mean[d] += v[i * dims + d];
	for (let d = 0; d < dims; d++) mean[d] /= Math.max(1, idx.length);
	for (const i of idx) for (let d = 0; d < dims; d++) vr[d] += (v[i * dims + d] - mean[d]) ** 2;
	for (let d = 0; d < dims; d++) vr[d] /= Math.max(1, idx.length);
	const order = Array.from({length: dims}, (_, d) => d).sort((a, b) => vr[b] - vr[a]);
	$('latent-subject').textContent = (S.selCount ? 'The selection' : 'All points') + ': ' + idx.length.toLocaleString('en') + ' rows, ' + dims + ' dimensions.';
	const norm = (d, x) => latentRange.hi[d] > latentRange.lo[d] ? (x - latentRange.lo[d]) / (latentRange.hi[d] - latentRange.lo[d]) : 0.5;

	const pc = $('parallel'), pctx = pc.getContext('2d'), PW = pc.width, PH = pc.height, pad = 8, foot = 14;
	pctx.clearRect(0, 0, PW, PH);
	pctx.strokeStyle = '#ccc';
	pctx.lineWidth = 1;
	const axX = d => pad + (dims > 1 ? d * (PW - 2 * pad) / (dims - 1) : (PW - 2 * pad) / 2);
	pctx.font = '10px sans-serif';
	pctx.textAlign = 'center';
	pctx.fillStyle = '#666';
	for (let d = 0; d < dims; d++) {
		pctx.beginPath(); pctx.moveTo(axX(d), pad); pctx.lineTo(axX(d), PH - foot); pctx.stroke();
		if (dims <= 24) pctx.fillText(L.names[d] || 'z' + d, axX(d), PH - 3);
	}
	const lines = sample(idx, 600);
	for (const i of lines) {
		pctx.strokeStyle = rgbaCSS(S.rgba[i], lines.length > 100 ? 0.15 : 0.85);
		pctx.beginPath();
		for (let d = 0; d < dims; d++) {
			const y = PH - foot - norm(d, v[i * dims + d]) * (PH - foot - pad);
			if (d) pctx.lineTo(axX(d), y); else pctx.moveTo(axX(d), y);
		}
		pctx.stroke();
	}

	const hm = $('heatmap'), hctx = hm.getContext('2d');
	const rows = sample(idx, hm.height);
	hctx.clearRect(0, 0, hm.width, hm.height);
	if (rows.length) {
		const img = new ImageData(dims, rows.length);
		rows.forEach((i, r) => order.forEach((d, c) => {
			const col = RAMP[Math.max(0, Math.min(255, Math.round(norm(d, v[i * dims + d]) * 255)))], q = 4 * (r * dims + c);
			img.data[q] = col[0]; img.data[q + 1] = col[1]; img.data[q + 2] = col[2]; img.data[q + 3] = 255;
		}));
		const tmp = document.createElement('canvas');
		tmp.width = dims; tmp.height = rows.length;
		tmp.getContext('2d').putImageData(img, 0, 0);
		hctx.imageSmoothingEnabled = false;
		hctx.drawImage(tmp, 0, 0, hm.width, hm.height);
	}
	const list = $('variance');
	list.replaceChildren();
	for (const d of order) {
		const li = el('li', null, (L.names[d] || 'z' + d) + '  ' + vr[d].toPrecision(3));
		li.dataset.dim = String(d);
		list.append(li);
	}
}

/* ------------------------------------------------------------ export */

let lastExport = null;

function selectedIndices() {
	const out = [];
	for (let i = 0; i < N; i++) if (S.sel[i]) out.push(i);
	return out;
}

function m3u(idx) {
	const lines = ['#EXTM3U'];
	for (const i of idx) {
		const r = D.record[i], a = D.start[i], b = D.end[i];
		const known = a === a, dur = known && b === b ? Math.round(b - a) : -1;
		lines.push('#EXTINF:' + dur + ',' + D.ids[r] + (known ? ' ' + fmtTime(a) + '-' + (b === b ? fmtTime(b) : '') : ''));
		if (known) {
			lines.push('#EXTVLCOPT:start-time=' + fmtTime(a));
			if (b === b) lines.push('#EXTVLCOPT:stop-time=' + fmtTime(b));
		}
		lines.push(audioFile(r));
	}
	return lines.join('\n') + '\n';
}

// TSV fields escaped as mlv-cat --to tsv escapes them
function tsvField(s) { return String(s).replace(/[\\\t\n\r]/g, c => ({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})[c]); }
function tsvTime(t) { return t === t ? fmtTime(t) : 'nan'; }

function tsv(idx) {
	const lines = ['id\trow\tstart\tend'];
	for (const i of idx) lines.push([tsvField(D.ids[D.record[i]]), D.row[i], tsvTime(D.start[i]), tsvTime(D.end[i])].join('\t'));
	return lines.join('\n') + '\n';
}

function download(kind) {
	const idx = selectedIndices();
	if (!idx.length) { showMessage('Nothing selected to export: select points with Box, Lasso, a label menu or the search box.'); return; }
	const text = kind === 'm3u' ? m3u(idx) : tsv(idx);
	const name = 'selection.' + kind;
	lastExport = {kind, name, text};
	const url = URL.createObjectURL(new Blob([text], {type: kind === 'm3u' ? 'audio/x-mpegurl' : 'text/tab-separated-values'}));
	const a = el('a');
	a.href = url;
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/* -------------------------------------------------------- view state */

// #c=COLOUR&h=LABEL:CODE&v=cx,cy,s;cx,cy,s&s=RANGES&l=ta
// RANGES: selected indices as base-36 "a" or "a-b", joined by '.'
function encodeSelection() {
	const parts = [];
	for (let i = 0; i < N; i++) {
		if (!S.sel[i]) continue;
		let j = i;
		while (j + 1 < N && S.sel[j + 1]) j++;
		parts.push(j > i ? i.toString(36) + '-' + j.toString(36) : i.toString(36));
		i = j;
	}
	return parts.join('.');
}

const HASH_SELECTION_MAX = 200000;

function stateHash() {
	const kv = [['c', S.color.key]];
	if (S.highlight) kv.push(['h', S.highlight.label + ':' + S.highlight.code]);
	kv.push(['v', maps.map(m => [m.view.cx, m.view.cy, m.view.s].map(x => +x.toPrecision(6)).join(',')).join(';')]);
	const sel = encodeSelection();
	if (sel && sel.length <= HASH_SELECTION_MAX) kv.push(['s', sel]);
	const l = (S.layers.traj ? 't' : '') + (S.layers.avg ? 'a' : '');
	if (l) kv.push(['l', l]);
	return '#' + kv.map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');
}

let hashTimer = 0, lastHash = '';
function saveHashSoon() {
	clearTimeout(hashTimer);
	hashTimer = setTimeout(() => {
		const h = stateHash();
		if (h !== lastHash) { lastHash = h; history.replaceState(null, '', h); }
	}, 250);
}

function applyHash(colors) {
	const kv = new Map(location.hash.slice(1).split('&').filter(Boolean).map(p => {
		const k = p.indexOf('=');
		return k < 0 ? [p, ''] : [p.slice(0, k), decodeURIComponent(p.slice(k + 1))];
	}));
	const c = colors.find(x => x.key === kv.get('c'));
	if (c) { $('color').value = c.key; setColor(c); }
	if (kv.has('h')) setHighlight(kv.get('h'));
	if (kv.has('v'))
		kv.get('v').split(';').forEach((v, k) => {
			const [cx, cy, s] = v.split(',').map(Number);
			if (maps[k] && isFinite(cx) && isFinite(cy) && s > 0) maps[k].view = {cx, cy, s};
		});
	const l = kv.get('l') || '';
	S.layers.traj = l.includes('t'); S.layers.avg = l.includes('a');
	$('layer-traj').checked = S.layers.traj; $('layer-avg').checked = S.layers.avg;
	S.sel.fill(0);
	for (const part of (kv.get('s') || '').split('.').filter(Boolean)) {
		const [a, b] = part.split('-').map(x => parseInt(x, 36));
		for (let i = a; i <= (b === undefined ? a : b) && i < N; i++) S.sel[i] = 1;
	}
	S.selCount = S.sel.reduce((a, b) => a + b, 0);
	restyle();
}

/* ------------------------------------------------------------ events */

function setTool(tool) {
	S.tool = tool;
	for (const b of document.querySelectorAll('[data-tool]')) b.classList.toggle('on', b.dataset.tool === tool);
	for (const m of maps) m.stage.className = 'map-stage tool-' + tool;
}

function local(m, e) {
	const r = m.overlay.getBoundingClientRect();
	return [e.clientX - r.left, e.clientY - r.top];
}

function zoomAt(m, cssX, cssY, f) {
	const fit = fitView(m).s, s = Math.max(fit / 4, Math.min(fit * 1e5, m.view.s * f));
	const p = toData(m, cssX, cssY);
	m.view = {s, cx: p.x - (cssX - m.cssW / 2) / s, cy: p.y + (cssY - m.cssH / 2) / s};
}

function hoverAt(m, e) {
	const [x, y] = local(m, e);
	const t0 = performance.now();
	const i = pick(m, x, y);
	timing.hoverMs = performance.now() - t0;
	setHover(i);
	if (i >= 0) showTooltip(i, e.clientX, e.clientY); else $('tooltip').hidden = true;
}

function wire(m) {
	const o = m.overlay;
	o.addEventListener('wheel', e => {
		e.preventDefault();
		const [x, y] = local(m, e);
		zoomAt(m, x, y, Math.exp(-e.deltaY * 0.0015));
		requestFrame(m);
	}, {passive: false});
	o.addEventListener('pointerdown', e => {
		if (e.button !== 0) return;
		o.setPointerCapture(e.pointerId);
		const p = local(m, e);
		m.drag = {tool: S.tool, mode: modeOf(e), path: [p], last: p, moved: false};
		$('tooltip').hidden = true;
	});
	o.addEventListener('pointermove', e => {
		const d = m.drag;
		if (!d) { hoverAt(m, e); return; }
		const p = local(m, e);
		if (Math.abs(p[0] - d.path[0][0]) + Math.abs(p[1] - d.path[0][1]) > 3) d.moved = true;
		if (d.tool === 'pan') {
			m.view = {s: m.view.s, cx: m.view.cx - (p[0] - d.last[0]) / m.view.s, cy: m.view.cy + (p[1] - d.last[1]) / m.view.s};
			requestFrame(m);
		} else {
			d.path.push(p);
			requestOverlay();
		}
		d.last = p;
	});
	o.addEventListener('pointerup', e => {
		const d = m.drag;
		if (!d) return;
		m.drag = null;
		const p = local(m, e);
		if (!d.moved) {
			const i = pick(m, p[0], p[1]);
			if (i >= 0) { play(i); moreLikeThis(i); }
		} else if (d.tool === 'box') {
			selectBox(m, d.path[0], p, d.mode);
		} else if (d.tool === 'lasso') {
			d.path.push(p);
			selectLasso(m, d.path, d.mode);
		}
		requestOverlay();
	});
	o.addEventListener('pointerleave', () => { if (!m.drag) { setHover(-1); $('tooltip').hidden = true; } });
}

function wireBar(colors) {
	for (const b of document.querySelectorAll('[data-tool]')) b.addEventListener('click', () => setTool(b.dataset.tool));
	$('clear').addEventListener('click', () => { $('search').value = ''; selectWhere(() => false); });
	$('export-m3u').addEventListener('click', () => download('m3u'));
	$('export-tsv').addEventListener('click', () => download('tsv'));
	$('reset-view').addEventListener('click', () => { for (const m of maps) m.view = fitView(m); requestFrame(); });
	$('layer-traj').addEventListener('change', e => { S.layers.traj = e.target.checked; requestFrame(); });
	$('layer-avg').addEventListener('change', e => { S.layers.avg = e.target.checked; requestFrame(); });
	let timer = 0;
	$('search').addEventListener('input', e => {
		clearTimeout(timer);
		timer = setTimeout(() => search(e.target.value), 200);
	});
	$('search').addEventListener('keydown', e => {
		if (e.key === 'Enter') { clearTimeout(timer); search(e.target.value); }
	});
	document.addEventListener('keydown', e => {
		if (e.target.closest('input, select, textarea')) return;
		const tool = {p: 'pan', b: 'box', l: 'lasso'}[e.key];
		if (tool) setTool(tool);
		if (e.key === 'Escape') selectWhere(() => false);
	});
	window.addEventListener('hashchange', () => {
		if (location.hash === lastHash) return;
		applyHash(colors);
		requestFrame();
		updatePanels();
	});
	// observers run before the page is painted: redrawing here shows no blank frame
	const ro = new ResizeObserver(() => {
		for (const m of maps) if (resize(m)) { drawBase(m); drawLayers(m); drawOverlay(m); }
	});
	for (const m of maps) ro.observe(m.stage);
}

/* -------------------------------------------------------------- start */

function screenPoint(k, i) {
	const m = maps[k], r = m.overlay.getBoundingClientRect();
	return {x: r.left + m.cssW / 2 + (m.xy[2 * i] - m.view.cx) * m.view.s, y: r.top + m.cssH / 2 - (m.xy[2 * i + 1] - m.view.cy) * m.view.s};
}

function start() {
	document.title = D.title;
	$('title').textContent = D.title;
	const colors = buildColorMenu();
	buildLabelMenus();
	const initial = colors.find(c => c.key === D.initial.color) || colors[0];
	$('color').value = initial.key;
	for (const m of maps) resize(m);
	setColor(initial);
	applyHash(colors);
	$('color').value = S.color.key;
	for (const m of maps) wire(m);
	wireBar(colors);
	updatePanels();
	if (!N) showMessage('This page holds no points.');
	for (const m of maps) { drawBase(m); drawLayers(m); drawOverlay(m); }
	requestAnimationFrame(() => {
		timing.firstFrameMs = performance.now();
		for (const m of maps) pointRenderer(m);
		window.mlvExplore.ready = true;
	});
}

window.mlvExplore = {
	ready: false,
	data: D,
	timing,
	get lastExport() { return lastExport; },
	renderer: k => pointRenderer(maps[k]).kind,
	lod: k => maps[k].mode,
	screenPoint,
	selection: selectedIndices,
	neighbours: () => mltList.slice(),
	benchFrame(k, dx, dy, zoom) {
		const m = maps[k], t0 = performance.now();
		m.view = {s: m.view.s, cx: m.view.cx - dx / m.view.s, cy: m.view.cy + dy / m.view.s};
		zoomAt(m, m.cssW / 2, m.cssH / 2, zoom);
		drawBase(m);
		drawLayers(m);
		drawOverlay(m);
		(m.glc.hidden ? m.d2 : m.gl).sync();
		return performance.now() - t0;
	},
	benchHover(k, count) {
		const m = maps[k];
		let x = 12345, found = 0;
		const t0 = performance.now();
		for (let q = 0; q < count; q++) {
			x = (x * 1103515245 + 12345) % 2147483648;
			if (pick(m, (x % 10007) / 10007 * m.cssW, (x % 9973) / 9973 * m.cssH) >= 0) found++;
		}
		return {ms: (performance.now() - t0) / count, found};
	},
	pixel(k, layer, x, y) {
		const m = maps[k], r = m.overlay.getBoundingClientRect(), t = document.createElement('canvas');
		t.width = 1; t.height = 1;
		const ctx = t.getContext('2d', {willReadFrequently: true});
		ctx.drawImage(layer === 'overlay' ? m.overlay : m.glc.hidden ? m.dens : m.glc, Math.floor((x - r.left) * m.dpr), Math.floor((y - r.top) * m.dpr), 1, 1, 0, 0, 1, 1);
		return Array.from(ctx.getImageData(0, 0, 1, 1).data);
	},
	hovered: () => S.hover,
	stateHash,
	settled: () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)))),
};

start();
})();
