// markdown.js - the composer's preview: a small Markdown subset (paragraphs,
// line breaks, **bold**, *italic*, `code`, fenced code, - and 1. lists,
// > quotes, [text](http...) links) built as DOM nodes. Nothing is parsed
// as HTML: what the agent typed can only ever become text.
import {h} from './dom.js';

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`|\[[^\]]+\]\((?:https?:\/\/|mailto:)[^)\s]+\))/;

function inline(text) {
  const out = [];
  for (const part of text.split(INLINE)) {
    if (!part) continue;
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) out.push(h('strong', {}, part.slice(2, -2)));
    else if (part.startsWith('`') && part.endsWith('`') && part.length > 2) out.push(h('code', {}, part.slice(1, -1)));
    else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) out.push(h('em', {}, part.slice(1, -1)));
    else if (part.startsWith('[')) {
      const m = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
      out.push(m ? h('a', {href: m[2], rel: 'noopener noreferrer', target: '_blank'}, m[1]) : part);
    } else out.push(part);
  }
  return out;
}

// A list of block elements for text.
export function markdown(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      i++;
      blocks.push(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (/^\s*[-*] /.test(line) || /^\s*\d+[.)] /.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items = [];
      while (i < lines.length && (ordered ? /^\s*\d+[.)] /.test(lines[i]) : /^\s*[-*] /.test(lines[i])))
        items.push(h('li', {}, inline(lines[i++].replace(/^\s*(?:[-*]|\d+[.)]) /, ''))));
      blocks.push(h(ordered ? 'ol' : 'ul', {}, items));
    } else if (/^>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^>/.test(lines[i])) quoted.push(lines[i++].replace(/^> ?/, ''));
      blocks.push(h('blockquote', {}, markdown(quoted.join('\n'))));
    } else if (!line.trim()) {
      i++;
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && !/^(```|>|\s*[-*] |\s*\d+[.)] )/.test(lines[i])) para.push(lines[i++]);
      const children = [];
      para.forEach((p, k) => { if (k) children.push(h('br')); children.push(...inline(p)); });
      blocks.push(h('p', {}, children));
    }
  }
  return blocks;
}

// A search snippet ("…the <mark>sync</mark> log &gt; …", escaped by the
// server) as text with <mark> elements, without parsing it as HTML.
export function snippet(s) {
  const decode = (t) => t.replace(/&(lt|gt|amp|quot|#39);/g, (_, e) => ({lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'"})[e]);
  const out = [];
  s.split(/(<mark>[^<]*<\/mark>)/).forEach((part) => {
    if (part.startsWith('<mark>')) out.push(h('mark', {}, decode(part.slice(6, -7))));
    else if (part) out.push(decode(part));
  });
  return out;
}
