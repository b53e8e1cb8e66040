/**
 * Repeatable rows of the call form (subjects, vehicles, locations): each row
 * is a fieldset with labelled inputs and its own "Remove" button; "Add"
 * appends a row and puts the cursor in its first field; removing a row puts
 * it back on "Add". Everything works from the keyboard with native buttons.
 */
import { useRef } from 'react';
import { get, useFieldArray, type Path, type UseFormReturn } from 'react-hook-form';
import { INTAKE_LIMITS } from '../../../../intake/limits';
import { TextArea, TextField } from '../../ui/ui';
import { emptyLocation, emptySubject, emptyVehicle, fieldId, type CallValues } from './model';

export type RowsName = 'subjects' | 'vehicles' | 'locations';
interface RowField {
  key: string;
  label: string;
  hint?: string;
  multiline?: boolean;
}

export const KINDS: Record<RowsName, { title: string; singular: string; hint: string; fields: RowField[]; empty: () => Record<string, string> }> = {
  subjects: {
    title: 'Subjects',
    singular: 'subject',
    hint: 'People the caller is worried about. Fill in only what the caller said.',
    empty: emptySubject,
    fields: [
      { key: 'name', label: 'Name' },
      { key: 'aliases', label: 'Aliases', hint: 'Separate with commas' },
      { key: 'dateOfBirth', label: 'Date of birth', hint: 'As given, e.g. 1990-04-01 or about 1990' },
      { key: 'approximateAge', label: 'Approximate age', hint: 'e.g. late 20s' },
      { key: 'phone', label: 'Phone' },
      { key: 'description', label: 'Description', hint: 'Appearance, behaviour', multiline: true },
      { key: 'address', label: 'Address', multiline: true },
    ],
  },
  vehicles: {
    title: 'Vehicles',
    singular: 'vehicle',
    hint: 'Any vehicle the caller mentioned.',
    empty: emptyVehicle,
    fields: [
      { key: 'registration', label: 'Registration' },
      { key: 'make', label: 'Make' },
      { key: 'model', label: 'Model' },
      { key: 'colour', label: 'Colour' },
      { key: 'notes', label: 'Notes', multiline: true },
    ],
  },
  locations: {
    title: 'Locations',
    singular: 'location',
    hint: 'Places the caller mentioned.',
    empty: emptyLocation,
    fields: [
      { key: 'address', label: 'Address', multiline: true },
      { key: 'postcode', label: 'Postcode' },
      { key: 'description', label: 'Description', hint: 'What happens there, landmarks', multiline: true },
    ],
  },
};

export function Rows({ form, name }: { form: UseFormReturn<CallValues>; name: RowsName }) {
  const kind = KINDS[name];
  const { fields, append, remove } = useFieldArray({ control: form.control, name });
  const addRef = useRef<HTMLButtonElement>(null);
  const { errors } = form.formState;
  const full = fields.length >= INTAKE_LIMITS.listItems;
  const Singular = kind.singular.charAt(0).toUpperCase() + kind.singular.slice(1);
  return (
    <fieldset className="rows">
      <legend>{kind.title}</legend>
      <p className="hint">{kind.hint}</p>
      {fields.map((row, i) => (
        <fieldset key={row.id} className="row">
          <legend>
            {Singular} {i + 1}
          </legend>
          <div className="grid row-fields">
            {kind.fields.map((f) => {
              const path = `${name}.${i}.${f.key}` as Path<CallValues>;
              const error = (get(errors, path) as { message?: string } | undefined)?.message;
              const props = { id: fieldId(path), label: f.label, error, ...(f.hint ? { hint: f.hint } : {}), ...form.register(path) };
              return f.multiline ? <TextArea key={f.key} rows={2} {...props} /> : <TextField key={f.key} autoComplete="off" {...props} />;
            })}
          </div>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                remove(i);
                addRef.current?.focus();
              }}
            >
              Remove {kind.singular} {i + 1}
            </button>
          </div>
        </fieldset>
      ))}
      <div className="actions">
        <button ref={addRef} type="button" disabled={full} onClick={() => append(kind.empty() as never, { shouldFocus: true, focusName: `${name}.${fields.length}.${kind.fields[0]!.key}` })}>
          Add {fields.length > 0 ? 'another' : 'a'} {kind.singular}
        </button>
        {full && <span className="hint">At most {INTAKE_LIMITS.listItems} {kind.title.toLowerCase()}.</span>}
      </div>
    </fieldset>
  );
}
