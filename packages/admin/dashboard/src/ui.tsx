import type { ComponentChildren } from 'preact';
import { formatDate } from './format';

/** An error in words, announced to screen readers. */
export function ErrorLine(props: { error: string | null }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/**
 * A date as text (`2026-12-02 14:05 UTC`) with its machine-readable form; a narrow column breaks
 * it only between the day and the time.
 */
export function DateText(props: { iso: string | null; none?: string }) {
  if (!props.iso) return <>{props.none ?? ''}</>;
  const [day, ...time] = formatDate(props.iso).split(' ');
  return (
    <time dateTime={props.iso}>
      <span class="nowrap">{day}</span> <span class="nowrap">{time.join(' ')}</span>
    </time>
  );
}

/** A `<select>` with its visible label. */
export function Select<T extends string>(props: {
  id?: string;
  label: string;
  value: T;
  choices: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  /** The label on its own line (forms) rather than around the select (toolbars). */
  block?: boolean;
}) {
  const select = (
    <select
      id={props.id}
      value={props.value}
      onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value as T)}
    >
      {props.choices.map((c) => (
        <option value={c.value}>{c.label}</option>
      ))}
    </select>
  );
  if (props.block) {
    return (
      <>
        <label for={props.id}>{props.label}</label>
        {select}
      </>
    );
  }
  return (
    <label>
      {props.label} {select}
    </label>
  );
}

/** A table with a caption or a heading, column headers, and a line saying when it is empty. */
export function DataTable(props: {
  className: string;
  columns: readonly string[];
  caption?: ComponentChildren;
  labelledBy?: string;
  testId?: string;
  /** Shown as the only row when set. */
  empty: string | null;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={props.className} data-testid={props.testId} aria-labelledby={props.labelledBy}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.empty !== null && (
            <tr>
              <td colSpan={props.columns.length}>{props.empty}</td>
            </tr>
          )}
          {props.children}
        </tbody>
      </table>
    </div>
  );
}
