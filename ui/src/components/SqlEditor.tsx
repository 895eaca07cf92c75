// The SQL editor: CodeMirror 6 with SQLite's dialect, highlighting, and completion of the
// customer database's table and column names. Ctrl+Enter (Cmd+Enter on a Mac) runs; Tab leaves
// the editor like any other field (indenting with Tab would trap keyboard users).
//
// For end-to-end tests: the typeable element is the contenteditable `.cm-content`, which
// carries data-testid="sql-editor-content" (and the id given). WebDriver can click it, select
// all (Ctrl+A) and send keys; note that typing an opening bracket or quote adds the closing one,
// and that Enter picks a completion while the completion list is open (Escape closes it).
import { SQLite, sql } from '@codemirror/lang-sql';
import { Compartment, EditorSelection, EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { basicSetup } from 'codemirror';
import { useEffect, useLayoutEffect, useRef } from 'react';

const useStyles = makeStyles({
  root: {
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderBottomColor: tokens.colorNeutralStrokeAccessible,
    borderRadius: tokens.borderRadiusMedium,
    overflow: 'clip',
    backgroundColor: tokens.colorNeutralBackground1,
    ':focus-within': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorCompoundBrandStroke}`, outlineOffset: '-1px' },
  },
  invalid: { border: `${tokens.strokeWidthThin} solid ${tokens.colorPaletteRedBorder2}` },
});

/** Where to put the cursor (1-based, as SQLite reports errors). A new object moves it again. */
export interface EditorPosition {
  line: number;
  column: number;
}

export interface SqlEditorProps {
  /** The id of the editable element, for labels. */
  id: string;
  value: string;
  onChange: (sql: string) => void;
  /** Table name → column names, for completion. */
  schema: Record<string, readonly string[]>;
  /** Ctrl/Cmd+Enter, with the editor's text at that moment (the owner's state may lag a keystroke). */
  onRun: (sql: string) => void;
  /** Moves the cursor there and focuses the editor whenever it changes (a "Show me" button). */
  jumpTo?: EditorPosition | null;
  /** The same for a new error's position, as soon as the error arrives. */
  errorAt?: EditorPosition | null;
  label: string;
  describedBy?: string;
  invalid?: boolean;
  placeholderText?: string;
  minHeight?: string;
}

function language(schema: Record<string, readonly string[]>) {
  return sql({ dialect: SQLite, schema: Object.fromEntries(Object.entries(schema).map(([t, cols]) => [t, [...cols]])), upperCaseKeywords: true });
}

export function SqlEditor({
  id,
  value,
  onChange,
  schema,
  onRun,
  jumpTo,
  errorAt,
  label,
  describedBy,
  invalid = false,
  placeholderText = 'SELECT * FROM customers',
  minHeight = '160px',
}: SqlEditorProps) {
  const styles = useStyles();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const lang = useRef(new Compartment());
  const attrs = useRef(new Compartment());
  // The latest callbacks, for the editor's listeners made once.
  const handlers = useRef({ onChange, onRun });
  useLayoutEffect(() => {
    handlers.current = { onChange, onRun };
  });

  // One editor for the component's life; later props reach it through the effects below.
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: (v) => {
                  handlers.current.onRun(v.state.doc.toString());
                  return true;
                },
              },
            ]),
          ),
          basicSetup,
          lang.current.of(language(schema)),
          attrs.current.of([]),
          placeholder(placeholderText),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
          }),
          EditorView.theme({
            '&': { fontSize: tokens.fontSizeBase300 },
            '.cm-content': { fontFamily: tokens.fontFamilyMonospace, minHeight },
            '.cm-gutters': { fontFamily: tokens.fontFamilyMonospace, minHeight },
            '.cm-scroller': { maxHeight: '360px', overflow: 'auto' },
            '&.cm-focused': { outline: 'none' },
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Made once; value, schema and attributes are kept in step by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: attrs.current.reconfigure(
        EditorView.contentAttributes.of({
          id,
          'aria-label': label,
          'aria-multiline': 'true',
          'aria-invalid': invalid ? 'true' : 'false',
          ...(describedBy ? { 'aria-describedby': describedBy } : {}),
          'data-testid': 'sql-editor-content',
        }),
      ),
    });
  }, [id, label, invalid, describedBy]);

  useEffect(() => {
    view.current?.dispatch({ effects: lang.current.reconfigure(language(schema)) });
  }, [schema]);

  // A value from outside (another query opened) replaces the text; typing does not come back here.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const now = editor.state.doc.toString();
    if (now !== value) editor.dispatch({ changes: { from: 0, to: now.length, insert: value } });
  }, [value]);

  useEffect(() => {
    if (view.current && jumpTo) moveTo(view.current, jumpTo);
  }, [jumpTo]);
  useEffect(() => {
    if (view.current && errorAt) moveTo(view.current, errorAt);
  }, [errorAt]);

  return <div ref={host} className={mergeClasses(styles.root, invalid && styles.invalid)} data-testid="sql-editor" />;
}

function moveTo(editor: EditorView, at: EditorPosition) {
  const doc = editor.state.doc;
  const line = doc.line(Math.min(Math.max(1, at.line), doc.lines));
  const pos = line.from + Math.min(Math.max(0, at.column - 1), line.length);
  editor.dispatch({ selection: EditorSelection.cursor(pos), scrollIntoView: true });
  editor.focus();
}

/** The editor's view inside `root` (tests use it to type, since jsdom has no real text input). */
export function editorViewIn(root: HTMLElement): EditorView | null {
  const el = root.querySelector<HTMLElement>('.cm-editor');
  return el ? EditorView.findFromDOM(el) : null;
}
