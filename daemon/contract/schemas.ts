import { z } from 'zod';
import { ACTIONS, DECISIONS, DIALECTS, EVENT_KINDS, ORIGIN_KINDS, SESSION_EVENTS, SEVERITIES, VIAS } from './enums.js';

// The zod schemas of ./enums.ts, for the boundaries that validate input (protocol, config, rules).

export const DialectSchema = z.enum(DIALECTS);
export const ActionSchema = z.enum(ACTIONS);
export const ViaSchema = z.enum(VIAS);
export const SeveritySchema = z.enum(SEVERITIES);
export const DecisionSchema = z.enum(DECISIONS);
export const OriginKindSchema = z.enum(ORIGIN_KINDS);
export const EventKindSchema = z.enum(EVENT_KINDS);
export const SessionEventSchema = z.enum(SESSION_EVENTS);
