import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { commentText, iniValue, yamlValue } from './escape.js';

/** inventory-templates/ at the package root (dist/inventory/ -> ../../inventory-templates). */
export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'inventory-templates');

const hb = Handlebars.create();
// No HTML escaping (these are not web pages): every value must go through {{yaml}} or {{ini}}.
hb.registerHelper('yaml', (value: unknown) => new hb.SafeString(yamlValue(value)));
hb.registerHelper('ini', (value: unknown) => new hb.SafeString(iniValue(value)));
hb.registerHelper('comment', (value: unknown) => new hb.SafeString(commentText(value)));

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Render inventory-templates/<name>.hbs. `strict`: a misspelt field is an error, not an empty string. */
export async function renderTemplate(name: string, data: object): Promise<string> {
  let template = cache.get(name);
  if (!template) {
    const source = await readFile(join(TEMPLATES_DIR, `${name}.hbs`), 'utf8');
    template = hb.compile(source, { strict: true, noEscape: true });
    cache.set(name, template);
  }
  return template(data);
}
