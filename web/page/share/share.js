// Links that carry a configuration: the form's fields as URL parameters
// (?layers=784-80-40-20-10&activation=sigmoid&learningRate=0.001&…), and,
// when one of the report's experiments is chosen, `experiment=ID`. Pure
// functions (no DOM), unit-tested under Node; share_view.js applies them.
//
// Reading a link validates every parameter with the form's own validation
// (settings.js validateForm, through the schema's checkValue): a bad or
// unknown parameter is reported by name and the field keeps its default;
// nothing trains until the user presses Train.
import { validateForm } from '../settings/settings.js';

/** The parameter naming one of the report's experiments or a study (the Experiments panel's ids). */
export const EXPERIMENT_PARAM = 'experiment';

/** The studies with a panel of their own in the Experiments view (index.html: #study-ID). */
export const STUDY_PANELS = Object.freeze(['spikes', 'sweep', 'optimisers']);

/** The element id of the panel a link to experiment `id` scrolls to: 'study-spikes', or null for the report's. */
export const linkedPanel = (/** @type {string | null} */ id) =>
  id && STUDY_PANELS.includes(id) ? `study-${id}` : null;

/**
 * The query string (without '?') of the form's values: every field of
 * `fields` in order, then `experiment` when given.
 */
export function shareQuery(values, fields, { experiment = null } = {}) {
  const q = new URLSearchParams();
  for (const f of fields) if (values[f] !== undefined && values[f] !== '') q.set(f, String(values[f]).trim());
  if (experiment) q.set(EXPERIMENT_PARAM, experiment);
  return q.toString();
}

/**
 * A link's query string read against the form: { values, applied, errors,
 * experiment } — values: the valid fields' form strings; applied: their
 * names; errors: [{ param, value, message }] for every parameter refused;
 * experiment: the experiment id when it is one of `experiments` (or any id
 * when experiments is null: the page has no list to check it against).
 * Returns null when the query has no parameter at all.
 */
export function readShareQuery(search, schema, fields, dims, { experiments = null } = {}) {
  const q = new URLSearchParams(search);
  if ([...q.keys()].length === 0) return null;
  const out = { values: {}, applied: [], errors: [], experiment: null };
  const seen = new Set();
  for (const [param, value] of q) {
    if (seen.has(param)) {
      out.errors.push({ param, value, message: `“${param}” is given more than once; the first one counts.` });
      continue;
    }
    seen.add(param);
    if (param === EXPERIMENT_PARAM) {
      if (experiments && !experiments.includes(value))
        out.errors.push({
          param,
          value,
          message: `There is no experiment “${value}” (choose one of ${experiments.join(', ')}).`,
        });
      else out.experiment = value;
      continue;
    }
    if (!fields.includes(param)) {
      out.errors.push({ param, value, message: `“${param}” is not a setting of this page.` });
      continue;
    }
    const { errors } = validateForm({ [param]: value }, schema, dims);
    if (errors[param]) out.errors.push({ param, value, message: errors[param] });
    else {
      out.values[param] = value;
      out.applied.push(param);
    }
  }
  return out;
}
