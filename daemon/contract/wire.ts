// Protocol values the lean agent hook entry (cli/hook.ts, run on every tool call of a coding
// agent) needs without loading zod (~50 ms to import); protocol.ts re-exports them.

export const PROTOCOL_VERSION = 1;

/**
 * The reply to a `hook` request: {"v":1,"ok":true,"answer":A}, A what the hook prints (the
 * agent's own JSON, one line) or null for nothing. The hooks match its head as text (cli/hook.ts;
 * bin/prodguard-hook writes it out, being bash).
 */
export const ANSWER_HEAD = `{"v":${PROTOCOL_VERSION},"ok":true,"answer":`;
export const answerLine = (answer: string): string => `${ANSWER_HEAD}${answer === '' ? 'null' : answer.trimEnd()}}`;
