/** Every sub-command, in the order `plumb --help` lists them. Add one line here per new command file. */
import type { Command } from "commander";
import { register as up } from "./up.js";
import { register as demo } from "./demo.js";
import { register as render } from "./render.js";
import { register as health } from "./health.js";
import { register as diff } from "./diff.js";
import { register as apply } from "./apply.js";
import { register as controller } from "./controller.js";
import { register as server } from "./server.js";
import { register as app } from "./app.js";
import { register as login } from "./login.js";
import { register as account } from "./account.js";
import { register as proj } from "./proj.js";
import { register as cluster } from "./cluster.js";
import { register as completion } from "./completion.js";
import { register as image } from "./image.js";
import { register as validate } from "./validate.js";
import { register as install } from "./install.js";

export type Register = (program: Command) => void;

export const commands: Register[] = [demo, up, server, controller, login, app, proj, cluster, account, render, validate, install, diff, apply, health, image, completion];
