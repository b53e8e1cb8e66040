/**
 * The caller block of the call form. Anonymous callers are the norm: the
 * block starts empty and says "Anonymous caller"; it is sent only when
 * something in it is filled in.
 */
import { useWatch, type UseFormReturn } from 'react-hook-form';
import { Checkbox, Select, TextArea, TextField } from '../../ui/ui';
import { callerGiven, callerIdentified, fieldId, type CallValues } from './model';

const LEAVE_MESSAGE = [
  { value: '', label: 'Not asked' },
  { value: 'YES', label: 'Yes, a message may be left' },
  { value: 'NO', label: 'No message' },
];

export function CallerFields({ form }: { form: UseFormReturn<CallValues> }) {
  const caller = useWatch({ control: form.control, name: 'caller' });
  const errors = form.formState.errors.caller;
  const given = callerGiven(caller);
  const named = callerIdentified(caller);
  return (
    <fieldset className="caller">
      <legend>Caller</legend>
      <p className="hint">
        All optional. Leave empty if the caller does not want to say who they are.{' '}
        <strong className={given ? 'caller-state given' : 'caller-state'}>
          {named ? 'Caller details will be recorded (encrypted).' : given ? 'Anonymous caller; the language and contact notes will be recorded (encrypted).' : 'Anonymous caller'}
        </strong>
      </p>
      <div className="grid">
        <TextField id={fieldId('caller.name')} label="Caller's name" autoComplete="off" error={errors?.name?.message} {...form.register('caller.name')} />
        <TextField id={fieldId('caller.phone')} label="Caller's phone" type="tel" autoComplete="off" error={errors?.phone?.message} {...form.register('caller.phone')} />
        <TextField id={fieldId('caller.email')} label="Caller's email" type="email" autoComplete="off" error={errors?.email?.message} {...form.register('caller.email')} />
        <TextField
          id={fieldId('caller.preferredContactTimes')}
          label="Preferred contact times"
          hint="e.g. weekdays after 6 pm"
          autoComplete="off"
          error={errors?.preferredContactTimes?.message}
          {...form.register('caller.preferredContactTimes')}
        />
      </div>
      <TextArea id={fieldId('caller.address')} label="Caller's address" rows={2} autoComplete="off" error={errors?.address?.message} {...form.register('caller.address')} />
      <Checkbox id={fieldId('caller.mayRecontact')} label="The caller agrees to be contacted again" {...form.register('caller.mayRecontact')} />
      <div className="grid">
        <TextField id={fieldId('caller.language')} label="Language of the call" hint="If not English" autoComplete="off" error={errors?.language?.message} {...form.register('caller.language')} />
        <TextField
          id={fieldId('caller.interpreter')}
          label="Interpreter used"
          hint="Service and interpreter number"
          autoComplete="off"
          error={errors?.interpreter?.message}
          {...form.register('caller.interpreter')}
        />
        <Select id={fieldId('caller.leaveMessage')} label="May we leave a message?" options={LEAVE_MESSAGE} error={errors?.leaveMessage?.message} {...form.register('caller.leaveMessage')} />
      </div>
      <TextArea
        id={fieldId('caller.safeContact')}
        label="Safe to contact"
        hint="Who may answer, when not to ring"
        rows={2}
        autoComplete="off"
        error={errors?.safeContact?.message}
        {...form.register('caller.safeContact')}
      />
    </fieldset>
  );
}
