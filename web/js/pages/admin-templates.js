// admin-templates.js - the catalog's templates for operators and
// administrators: import a StreamSpace Template file (YAML or JSON),
// enable or disable one (disabled: users neither see nor launch it),
// look at its manifest, delete it.

import { get, post, patch, del, enc } from '../api.js';
import {
  loader, h, clear, icon, appIcon, timeEl, loading, empty, confirm,
  dialog, toast, input, table, plural, alertBox,
} from '../ui.js';
import { adminNav } from '../app.js';

const FILE_MAX = 256 * 1024;

export default async function render(ctx) {
  ctx.setTitle('Templates');
  let templates = [];
  let term = ctx.query.get('q') || '';
  const body = h('div', { class: 'card' }, loading('Loading templates…'));
  const count = h('p', { class: 'sub', role: 'status' });
  const result = h('div', { role: 'status', 'aria-live': 'polite' });
  const file = h('input', { type: 'file', id: 'template-file', accept: '.yaml,.yml,.json,application/json,application/yaml,text/yaml', class: 'visually-hidden', multiple: true });
  const search = input({ type: 'search', id: 'template-search', value: term, placeholder: 'Name, category…', autocomplete: 'off' });
  search.addEventListener('input', () => { term = search.value; draw(); });
  file.addEventListener('change', () => importFiles([...file.files]));

  ctx.main.append(adminNav('/admin/templates'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Templates'),
      h('label', { class: 'btn primary', for: 'template-file' }, icon('upload', 18), 'Import template files'), file, count,
      h('p', { class: 'sub' }, 'StreamSpace Template documents (apiVersion stream.space/v1alpha1, kind Template), as YAML or JSON files.')),
    result,
    h('div', { class: 'toolbar', role: 'search' }, h('div', { class: 'field grow' }, h('label', { for: 'template-search' }, 'Search'), search)),
    body);

  async function importFiles(files) {
    clear(result);
    const done = [];
    const failed = [];
    for (const f of files) {
      try {
        if (f.size > FILE_MAX) throw new Error(`larger than ${FILE_MAX / 1024} KiB`);
        const t = await post('/api/v1/templates/import', { yaml: await f.text() });
        done.push(t.display_name || t.name);
      } catch (e) {
        failed.push(`${f.name}: ${e.message}`);
      }
    }
    file.value = '';
    if (done.length) result.append(alertBox('ok', `Imported ${plural(done.length, 'template')}`, done.join(', ')));
    if (failed.length) result.append(alertBox('bad', `${plural(failed.length, 'file')} not imported`, failed.join(' · ')));
    load();
  }

  function draw() {
    const shown = templates.filter((t) => !term || `${t.name} ${t.display_name} ${t.category}`.toLowerCase().includes(term.toLowerCase()));
    count.textContent = templates.length ? `${plural(shown.length, 'template')}, ${templates.filter((t) => t.enabled).length} enabled` : '';
    clear(body);
    if (!templates.length) {
      body.append(empty('upload', 'No templates yet', 'Import StreamSpace Template files to fill the catalog.',
        h('label', { class: 'btn primary', for: 'template-file' }, icon('upload', 18), 'Import template files')));
      return;
    }
    if (!shown.length) {
      body.append(empty('search', 'No template matches', null));
      return;
    }
    body.append(table('Templates', [
      { label: 'Template', cell: (t) => h('div', { class: 'row' }, appIcon(t.icon_url, t.display_name || t.name), h('div', {}, h('div', { class: 'cell-main' }, t.display_name || t.name), h('div', { class: 'cell-sub mono' }, t.name))) },
      { label: 'Category', cell: (t) => t.category || '—' },
      { label: 'Image', cell: (t) => h('span', { class: 'cell-sub mono' }, (t.manifest && t.manifest.spec && t.manifest.spec.baseImage) || '—') },
      {
        label: 'In the catalog', cell: (t) => {
          const box = h('input', { type: 'checkbox', checked: t.enabled, 'aria-label': `${t.display_name || t.name} in the catalog` });
          box.addEventListener('change', async () => {
            box.disabled = true;
            try {
              const n = await patch(`/api/v1/templates/${enc(t.name)}`, { enabled: box.checked });
              Object.assign(t, n);
              toast(`${t.display_name || t.name} ${n.enabled ? 'enabled' : 'disabled'}`, 'ok', 2500);
              draw();
            } catch (e) { box.checked = !box.checked; toast(e.message, 'bad'); }
            box.disabled = false;
          });
          return h('label', { class: 'check' }, box, t.enabled ? 'Enabled' : 'Disabled');
        },
      },
      { label: 'Added', cell: (t) => timeEl(t.created_at) },
      {
        label: 'Actions', cls: 'actions', cell: (t) => [
          h('button', { class: 'btn small', type: 'button', onclick: () => dialog({ title: t.display_name || t.name, wide: true, body: h('pre', { class: 'json' }, JSON.stringify(t.manifest, null, 2)) }) }, 'Manifest'),
          h('button', { class: 'btn small danger', type: 'button', 'aria-label': `Delete template ${t.name}`, title: 'Delete', onclick: () => remove(t) }, icon('trash', 16)),
        ],
      },
    ], shown, { rowAttrs: (t) => ({ 'data-template': t.name }) }));
  }

  async function remove(t) {
    if (!await confirm({ title: `Delete ${t.display_name || t.name}?`, text: 'It leaves the catalog for good. Running sessions made from it go on. To hide it for a while, disable it instead.', confirmLabel: 'Delete template', danger: true })) return;
    try {
      await del(`/api/v1/templates/${enc(t.name)}`);
      toast('Template deleted', 'ok');
      load();
    } catch (e) { toast(e.message, 'bad'); }
  }

  const load = loader(ctx, body, () => get('/api/v1/templates'), (res) => {
    templates = res.templates;
    draw();
  });
  await load();
}
