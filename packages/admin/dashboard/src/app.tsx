import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, errorText } from './api';
import type { Api } from './api';
import { KeysTab } from './keys-tab';
import { AnalyticsTab } from './analytics-tab';
import { displayPrefix, keyGoneNote, rangeWindow, signedInRecord } from './format';
import type { KeyRecord } from './api';

/** A signed-in key: its client, what it may do, and the project it belongs to. */
interface Session {
  /** Kept only to store it in `sessionStorage` when the user asks to stay signed in. */
  key: string;
  api: Api;
  projectId: string | null;
  /** `vc_1234`: the display prefix of the signed-in key. */
  prefix: string;
  canManage: boolean;
  canRead: boolean;
  /** The signed-in key's own record, when it may list keys and its prefix is unique. */
  record: KeyRecord | null;
}

/** How to make a key that can do everything the dashboard offers (quoted for zsh's `*`). */
const FIRST_KEY_COMMAND =
  'npx -p @vectorcache/auth-cli vectorcache-keys create --project YOUR_PROJECT --name dashboard ' +
  "--scopes 'keys:manage,analytics:read,cache:*'";

/** Where the key is kept when the user asks to stay signed in: this tab only, never on disk. */
const STORAGE_KEY = 'vectorcache-dashboard-key';

type Tab = 'keys' | 'analytics';

/** The whole page: sign-in until a key is accepted, then the project's two tabs. */
export function App(props: { base: URL }) {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => readStoredKey() !== null);
  // Why the sign-in screen is back: a stored key that stopped working, a revoked own key.
  const [signInNote, setSignInNote] = useState<string | null>(null);

  useEffect(() => {
    const stored = readStoredKey();
    if (stored === null) return;
    signIn(props.base, stored)
      .then((s) => setSession(s))
      .catch((e) => {
        forgetStoredKey();
        const gone = e instanceof ApiError && e.status === 401;
        setSignInNote(
          gone ? keyGoneNote(stored.slice(0, 7)) : `You were signed out: ${errorText(e)}`,
        );
      })
      .finally(() => setRestoring(false));
  }, []);

  const signOut = (note?: string) => {
    forgetStoredKey();
    setSignInNote(note ?? null);
    setSession(null);
  };

  if (restoring) return <p class="loading">Signing in…</p>;
  if (!session) {
    return (
      <SignIn
        base={props.base}
        initialError={signInNote}
        onSignedIn={(s, remember) => {
          if (remember) storeKey(s.key);
          setSession(s);
        }}
      />
    );
  }
  return <Dashboard session={session} onSignOut={signOut} />;
}

/** Checks a key against the API: which of the two tabs it may use, and its project. */
async function signIn(base: URL, key: string): Promise<Session> {
  const api = createApi(base, key);
  const prefix = key.slice(0, 7);
  let canManage = false;
  let projectId: string | null = null;
  let record: KeyRecord | null = null;
  try {
    const keys = await api.listKeys();
    canManage = true;
    projectId = keys[0]?.projectId ?? null;
    record = signedInRecord(keys, prefix);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // On this screen there is nothing to sign out of: say what to do here instead.
      throw new ApiError(
        401,
        error.detail,
        'This key was refused: it is unknown, revoked or expired. Check that you pasted all of ' +
          'it (vc_ followed by 32 characters) and that it is still active, or sign in with ' +
          'another key.',
      );
    }
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  let canRead = false;
  try {
    const { from, to } = rangeWindow('24h', 'hour', Date.now());
    const usage = await api.projectUsage(from, to, 'hour');
    canRead = true;
    projectId ??= usage.projectId ?? null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // 501: the key may read analytics but the store keeps none; the tab says so.
    if (error.status === 501) canRead = true;
    else if (error.status !== 403) throw error;
  }
  if (!canManage && !canRead) {
    throw new Error(
      'This key is valid, but it has neither the keys:manage nor the analytics:read scope, so ' +
        'the dashboard can show nothing with it. Sign in with a key that has at least one of ' +
        `them (for example: ${FIRST_KEY_COMMAND}).`,
    );
  }
  return { key, api, projectId, prefix, canManage, canRead, record };
}

function SignIn(props: {
  base: URL;
  initialError: string | null;
  onSignedIn: (session: Session, remember: boolean) => void;
}) {
  const [error, setError] = useState<string | null>(props.initialError);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const key = (input.current?.value ?? '').trim();
    const remember = (form.elements.namedItem('remember') as HTMLInputElement).checked;
    if (key === '') {
      setError('Paste an API key first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(props.base, key);
      if (input.current) input.current.value = '';
      props.onSignedIn(session, remember);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Vectorcache API keys</h1>
      <form onSubmit={submit} autocomplete="off" novalidate>
        <p>
          Sign in with an API key that has the <code>keys:manage</code> scope (to manage keys) or{' '}
          <code>analytics:read</code> (to read usage). The key stays in this page's memory (or, if
          you tick the box below, in this tab's session storage) and is forgotten when you sign out.
        </p>
        <p class="hint">
          No key yet? Create one with the CLI, run in the server's folder (or with its{' '}
          <code>VECTORCACHE_*</code> environment) so that it opens the same key store:
          <code class="command">
            {/* A flag never breaks after its "--". */}
            {FIRST_KEY_COMMAND.split(' ').map((word, i) => (
              <>
                {i > 0 && ' '}
                {word.startsWith('--') ? <span class="nowrap">{word}</span> : word}
              </>
            ))}
          </code>
        </p>
        <label for="sign-in-key">API key</label>
        <input
          id="sign-in-key"
          ref={input}
          type="password"
          name="key"
          autocomplete="off"
          spellcheck={false}
          placeholder="vc_..."
          aria-describedby={error ? 'sign-in-error' : undefined}
          aria-invalid={error ? 'true' : undefined}
        />
        <label class="inline">
          <input type="checkbox" name="remember" /> Stay signed in while this tab is open
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function Dashboard(props: { session: Session; onSignOut: (note?: string) => void }) {
  const { session } = props;
  const [tab, setTab] = useState<Tab>(session.canManage ? 'keys' : 'analytics');
  const [projectId, setProjectId] = useState(session.projectId);
  const tabs: { id: Tab; label: string }[] = [
    { id: 'keys', label: 'API Keys' },
    { id: 'analytics', label: 'Analytics' },
  ];

  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next = tab === 'keys' ? 'analytics' : 'keys';
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };

  return (
    <>
      <header class="top">
        <h1>Vectorcache API keys</h1>
        <p class="who">
          <span>
            Project: <strong data-testid="project">{projectId ?? 'not shown to this key'}</strong>
          </span>
          <span>
            Signed in with <code>{displayPrefix(session.prefix)}</code>
          </span>
          <button type="button" class="secondary" onClick={() => props.onSignOut()}>
            Sign out
          </button>
        </p>
        <div role="tablist" aria-label="Dashboard sections" onKeyDown={onTabKey}>
          {tabs.map((t) => (
            <button
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={tab === t.id ? 'true' : 'false'}
              aria-controls={`panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </header>
      <main>
        <section
          role="tabpanel"
          id={`panel-${tab}`}
          aria-labelledby={`tab-${tab}`}
          tabIndex={0}
          key={tab}
        >
          {tab === 'keys' ? (
            session.canManage ? (
              <KeysTab
                api={session.api}
                signedIn={{ prefix: session.prefix, record: session.record }}
                onProject={setProjectId}
                onSignOut={props.onSignOut}
              />
            ) : (
              <p class="notice">
                Your key cannot manage keys: it lacks the <code>keys:manage</code> scope. Sign in
                with a key that has it to list, create, revoke or rotate keys.
              </p>
            )
          ) : (
            <AnalyticsTab
              api={session.api}
              canRead={session.canRead}
              canManage={session.canManage}
            />
          )}
        </section>
      </main>
    </>
  );
}

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage refused (private mode): the key stays in memory only.
  }
}

function forgetStoredKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}
