/**
 * The call handler's aids beside the narrative: the 999 hand-off (ticked,
 * with the time, 24-hour, filled in at the tick, and the 999 / CAD
 * reference) and the question prompts, each answer its own field the
 * investigator grades from. All of it is sent as `callNotes` and stored
 * encrypted with the report's content.
 */
import { useWatch, type UseFormReturn } from 'react-hook-form';
import { INTAKE_LIMITS } from '../../../../intake/limits';
import { Checkbox, TextArea, TextField } from '../../ui/ui';
import { clockNow, fieldId, PROMPTS, type CallValues } from './model';

export function HandOffFields({ form }: { form: UseFormReturn<CallValues> }) {
  const done = useWatch({ control: form.control, name: 'handOff.done' });
  const errors = form.formState.errors.handOff;
  const tick = form.register('handOff.done');
  return (
    <fieldset className="hand-off">
      <legend>999 hand-off</legend>
      <Checkbox
        id={fieldId('handOff.done')}
        label="The call was passed to 999"
        {...tick}
        onChange={(e) => {
          void tick.onChange(e);
          if (e.target.checked && !form.getValues('handOff.time')) form.setValue('handOff.time', clockNow(), { shouldDirty: true });
        }}
      />
      {done && (
        <div className="grid">
          <TextField
            id={fieldId('handOff.time')}
            label="Time passed to 999"
            hint="24-hour, for example 21:07 (filled in when you ticked)"
            inputMode="numeric"
            autoComplete="off"
            error={errors?.time?.message}
            {...form.register('handOff.time')}
          />
          <TextField
            id={fieldId('handOff.reference')}
            label="999 / CAD reference"
            hint="As the emergency service gave it, if they did"
            autoComplete="off"
            maxLength={INTAKE_LIMITS.short}
            error={errors?.reference?.message}
            {...form.register('handOff.reference')}
          />
        </div>
      )}
    </fieldset>
  );
}

export function PromptFields({ form }: { form: UseFormReturn<CallValues> }) {
  const errors = form.formState.errors.prompts;
  return (
    <fieldset className="prompts">
      <legend>Questions to ask</legend>
      <p className="hint">Ask each one; note the answer in the caller's words. Leave blank if not asked.</p>
      {PROMPTS.map((p) => (
        <TextArea
          key={p.key}
          id={fieldId(`prompts.${p.key}`)}
          label={p.label}
          hint={p.hint}
          rows={2}
          autoComplete="off"
          error={errors?.[p.key]?.message}
          {...form.register(`prompts.${p.key}`)}
        />
      ))}
    </fieldset>
  );
}
