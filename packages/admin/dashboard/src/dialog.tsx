import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A modal `<dialog>`: opened with `showModal()` when it mounts (so focus moves into it, the page
 * behind is inert and Escape closes it), closed and removed from the DOM when its owner unmounts
 * it. `onClose` runs on Escape as on any close, so the owner can forget what the dialog showed.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** `alertdialog` for confirmations. */
  role?: 'dialog' | 'alertdialog';
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  // Set when the owner unmounts the dialog: the close event that follows is not the user's.
  const unmounted = useRef(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    return () => {
      unmounted.current = true;
      if (dialog.open) dialog.close();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      role={props.role === 'alertdialog' ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      aria-modal="true"
      data-testid={props.testId}
      onClose={() => {
        if (!unmounted.current) onClose.current();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}
