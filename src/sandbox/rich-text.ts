/**
 * Fibery serves rich text (descriptions, comments) in four formats: md, text, html and jsonString.
 * The simulator stores markdown and derives the other three, simply but faithfully enough that a
 * client reading any of them gets the same words, and HTML never carries raw markup from the text.
 */

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The words of a markdown text: links keep their label, markers and code fences go. */
export function mdToText(md: string): string {
  return md
    .replace(/```[^\n]*\n?/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/(\*\*|__|\*|_|`)/g, '')
    .trim();
}

/** Paragraphs of escaped text; single newlines become line breaks. */
export function mdToHtml(md: string): string {
  return md
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${escapeHtml(mdToText(p)).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** A ProseMirror-like document, the shape Fibery's jsonString format carries. */
export function mdToJsonString(md: string): string {
  const paragraphs = md
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: mdToText(p) }] }));
  return JSON.stringify({ doc: { type: 'doc', content: paragraphs } });
}

/** The four formats of one markdown text. */
export function richText(md: string): { md: string; text: string; html: string; jsonString: string } {
  return { md, text: mdToText(md), html: mdToHtml(md), jsonString: mdToJsonString(md) };
}
