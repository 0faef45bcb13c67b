// Placeholder until the explorer's page lands: shows the title and count.
'use strict';
const meta = JSON.parse(document.getElementById('mlv-meta').textContent);
document.title = meta.title;
document.getElementById('title').textContent = meta.title;
document.getElementById('count').textContent = meta.n + ' points';
