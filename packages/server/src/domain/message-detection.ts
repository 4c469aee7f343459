/**
 * What the server can see in a message's text on its own, without fetching anything:
 * web links (for link previews) and the data a data detector marks (links, email
 * addresses and phone numbers). Dates and street addresses are not detected.
 */

const linkPattern = /\bhttps?:\/\/[^\s/$.?#][^\s]*|\bwww\.[^\s.]+\.[^\s]+/i;
const emailPattern = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;
// Seven or more digits with the usual separators: a phone number, not a year or a price.
const phonePattern = /(?:\+|\b)\d(?:[\s().-]?\d){6,14}\b/;

/**
 * Apple's balloon identifier for a rich link (link-preview) message. The receiving
 * client renders the preview; this server never fetches the page.
 */
export const linkPreviewBalloonId = "com.apple.messages.URLBalloonProvider";

/** Whether `text` contains a web link (`http://`, `https://` or `www.`). */
export function containsLink(text: string): boolean {
  return linkPattern.test(text);
}

/** Whether a data detector finds something in `text`: a link, an email address or a phone number. */
export function containsDetectableData(text: string): boolean {
  return containsLink(text) || emailPattern.test(text) || phonePattern.test(text);
}
