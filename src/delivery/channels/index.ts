/**
 * The delivery channels, by name: a new channel is its file in this folder plus one line in
 * `REGISTERED`. Everything else derives from here: `--deliver`'s help and accepted names, the
 * pre-flight check, the secrets removed from records, and the `deliver_report` activity.
 */
import type { Channel } from '../channel.js';
import { email } from './email.js';
import { fibery } from './fibery.js';
import { slack } from './slack.js';

const REGISTERED = { slack, email, fibery };

export type ChannelName = keyof typeof REGISTERED;

/** Each key is its channel's name: the compiler refuses a channel registered under another. */
export const CHANNELS: { readonly [K in ChannelName]: Channel<K> } = REGISTERED;

/** In the order of `REGISTERED`: how help texts and messages list them. */
export const CHANNEL_NAMES = Object.keys(CHANNELS) as [ChannelName, ...ChannelName[]];

export function isChannelName(name: string): name is ChannelName {
  return Object.hasOwn(CHANNELS, name);
}

/** "slack, email or fibery". */
export function channelList(conjunction = 'or'): string {
  const names: string[] = [...CHANNEL_NAMES];
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}

/** One line per channel for a command's help: what it sends and what it needs. */
export function channelHelp(): string {
  const width = Math.max(...CHANNEL_NAMES.map((n) => n.length));
  return CHANNEL_NAMES.map((n) => `  ${n.padEnd(width)}  ${CHANNELS[n].summary}\n  ${' '.repeat(width)}  needs ${CHANNELS[n].needs}`).join('\n');
}
