import { pino } from "pino";
import type { WebhookLogger } from "./handler.js";
export const l: WebhookLogger = pino();
