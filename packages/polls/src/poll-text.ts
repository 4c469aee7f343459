import { invalidArgument } from "@threadline/core";

/** Longest poll title or option, in UTF-16 code units (the server's limit). */
export const maxPollTextLength = 256;
/** Fewest options a new poll may have. */
export const minPollOptions = 2;
/** Most options a poll may have, counting ones added later (the server's limit). */
export const maxPollOptions = 32;

const allowedText = `non-blank text of at most ${maxPollTextLength} characters`;

/**
 * Checks a poll title or option: a string that is not blank and at most
 * {@link maxPollTextLength} characters long. Returns it trimmed, as the server stores it.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkPollText(field: string, value: unknown): string {
  if (typeof value !== "string") throw invalidArgument(field, allowedText, value);
  if (value.trim() === "") throw invalidArgument(field, allowedText, value, "is blank");
  if (value.length > maxPollTextLength) {
    throw invalidArgument(field, allowedText, value, `is ${value.length} characters long`);
  }
  return value.trim();
}

// Two options are the same choice when they match ignoring case and surrounding spaces.
function choiceKey(text: string): string {
  return text.toLocaleLowerCase("en-US");
}

/**
 * Checks the choices of a new poll: an array of {@link minPollOptions} to
 * {@link maxPollOptions} options, each {@link checkPollText}, no two the same ignoring
 * case and surrounding spaces. Returns them trimmed.
 *
 * @throws ValidationError naming the list or the offending entry (`choices[1]`).
 * @internal not covered by semver
 */
export function checkPollChoices(field: string, value: unknown): string[] {
  const allowed = `an array of ${minPollOptions} to ${maxPollOptions} distinct options, each ${allowedText}`;
  if (!Array.isArray(value)) throw invalidArgument(field, allowed, value);
  if (value.length < minPollOptions || value.length > maxPollOptions) {
    const count = `${value.length} option${value.length === 1 ? "" : "s"}`;
    throw invalidArgument(field, allowed, value, `lists ${count}`);
  }
  const firstIndex = new Map<string, number>();
  const choices: string[] = [];
  // An index loop, not map(): map() skips the holes of a sparse array.
  for (let index = 0; index < value.length; index += 1) {
    const entry: unknown = value[index];
    const text = checkPollText(`${field}[${index}]`, entry);
    const earlier = firstIndex.get(choiceKey(text));
    if (earlier !== undefined) {
      throw invalidArgument(
        `${field}[${index}]`,
        "an option different from the others (compared ignoring case and surrounding spaces)",
        entry,
        `repeats ${field}[${earlier}]`,
      );
    }
    firstIndex.set(choiceKey(text), index);
    choices.push(text);
  }
  return choices;
}
