// The one way Ferry shortens long text (names, URLs, descriptions): an ellipsis, and the whole
// text in a tooltip on hover. The DOM keeps the whole text, so screen readers, search and copy
// see all of it; details (the edit dialogs) show it too.
import { Tooltip, makeStyles, mergeClasses } from '@fluentui/react-components';
import { useRef, useState } from 'react';

const useStyles = makeStyles({
  // Block-level so it takes its parent's width. Inline-size containment keeps the whole text out
  // of the parent's minimum width, so a grid or flex parent (a dialog's title row) shrinks to the
  // window instead of growing to the text; the parent must stretch it (not size it to content).
  // NOTE: `clip`, not `hidden`: the ellipsis and the clamp look the same, but WebDriver counts
  // text inside `overflow: hidden` as not shown, and the end-to-end tests read row texts.
  base: { display: 'block', minWidth: 0, maxWidth: '100%', overflow: 'clip', contain: 'inline-size' },
  line: { whiteSpace: 'nowrap', textOverflow: 'ellipsis' },
  clamp: {
    display: '-webkit-box',
    WebkitBoxOrient: 'vertical',
    // Long words (a URL, 100 characters without a space) break rather than widen the box.
    overflowWrap: 'anywhere',
  },
});

/** Whether the text is cut: what it would need is more than it has. */
export function isClipped(el: HTMLElement | null): boolean {
  if (!el) return false;
  return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
}

export interface TruncateProps {
  text: string;
  /** 1: one line with an ellipsis (names, URLs, titles); more: clamped to that many lines. */
  lines?: number;
  className?: string;
  testId?: string;
}

export function Truncate({ text, lines = 1, className, testId }: TruncateProps) {
  const styles = useStyles();
  const ref = useRef<HTMLSpanElement>(null);
  const [visible, setVisible] = useState(false);
  return (
    <Tooltip
      content={text}
      // The full text is already in the DOM for assistive technology; the tooltip is for eyes.
      relationship="inaccessible"
      visible={visible}
      // Only a cut text earns a tooltip: repeating a text that is fully shown is noise.
      onVisibleChange={(_, data) => setVisible(data.visible && isClipped(ref.current))}
    >
      <span
        ref={ref}
        className={mergeClasses(styles.base, lines === 1 ? styles.line : styles.clamp, className)}
        style={lines === 1 ? undefined : { WebkitLineClamp: lines }}
        data-truncate={lines}
        data-testid={testId}
      >
        {text}
      </span>
    </Tooltip>
  );
}
