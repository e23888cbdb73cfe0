// A confirmation before an action that changes something (trigger, retry, replay, discard): a
// modal <dialog> saying what will happen, with an optional note, and the action's outcome or error.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorNote } from './basics.js';

export interface ConfirmProps {
  /** The button that opens the dialog. */
  label: string;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  /** Ask for a note (kept with the action, e.g. in the quarantine log). */
  note?: string;
  run(note: string): Promise<void>;
}

export function ConfirmButton(props: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [note, setNote] = useState('');
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.run(note);
      setOpen(false);
      setNote('');
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), 0));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? 'danger' : ''}
        disabled={props.disabled}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <dialog ref={dialog} onClose={() => setOpen(false)} aria-label={props.title}>
        <h2>{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        {props.note !== undefined ? (
          <label class="note">
            {props.note}
            <input value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          </label>
        ) : null}
        <ErrorNote error={error} />
        <div class="dialog-buttons">
          <button type="button" onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? 'danger' : 'primary'}
            onClick={() => void go()}
            disabled={busy}
          >
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
