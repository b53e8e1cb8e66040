/**
 * The categories, keyboard-first: type a few letters in "Find a category"
 * to narrow the list (matching any word of the label), Enter ticks or unticks
 * the first match and empties the filter, so "stor⏎ trav⏎" picks two
 * categories without leaving the field. The checkboxes stay the form's
 * fields; the filter itself is not part of the call.
 */
import { useState, type KeyboardEvent } from 'react';
import { useWatch, type UseFormReturn } from 'react-hook-form';
import { Checkbox } from '../../ui/ui';
import { CATEGORIES, CATEGORY_LABELS, fieldId, matchingCategories, type CallValues } from './model';

export function CategoryPicker({ form }: { form: UseFormReturn<CallValues> }) {
  const [query, setQuery] = useState('');
  const chosen = useWatch({ control: form.control, name: 'categories' });
  const error = form.formState.errors.categories;
  const shown = matchingCategories(query);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape' && query) {
      e.preventDefault();
      setQuery('');
      return;
    }
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const first = shown[0];
    if (!query.trim() || !first) return;
    const now = form.getValues('categories');
    form.setValue('categories', now.includes(first) ? now.filter((c) => c !== first) : [...now, first], { shouldDirty: true, shouldValidate: form.formState.submitCount > 0 });
    setQuery('');
  };

  return (
    <fieldset className="categories" aria-describedby={error ? 'call-categories-error' : undefined}>
      <legend>Categories (at least one)</legend>
      <div className="field category-filter">
        <label htmlFor="call-category-filter">Find a category</label>
        <span className="hint" id="call-category-filter-hint">
          Type a few letters, then Enter to tick or untick the first match; Esc clears.
        </span>
        <input
          id="call-category-filter"
          type="text"
          autoComplete="off"
          aria-describedby="call-category-filter-hint call-category-filter-count"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <span className="hint" id="call-category-filter-count" aria-live="polite">
          {query.trim() ? (shown.length ? `${shown.length} match${shown.length > 1 ? 'es' : ''}: Enter ticks ${CATEGORY_LABELS[shown[0]!]}` : 'No category matches') : `${chosen.length} chosen`}
        </span>
      </div>
      <div className="checkbox-grid">
        {CATEGORIES.map((c, i) => (
          <div key={c} hidden={!shown.includes(c)}>
            <Checkbox id={i === 0 ? fieldId('categories') : `call-category-${c}`} label={CATEGORY_LABELS[c]} value={c} {...form.register('categories')} />
          </div>
        ))}
      </div>
      {error && (
        <span className="field-error" id="call-categories-error" role="alert">
          {error.message}
        </span>
      )}
    </fieldset>
  );
}
