// TypeScript services on @restatedev/restate-sdk with zod-typed handlers, for the interop tests:
// a service, a virtual object and a workflow whose schemas `restagen pull` reads back from the
// admin API. Started by tests/interop with `tsx services.ts <port>`.
//
// SDK 1.17 calls Promise.withResolvers, which Node 20 lacks: without this every invocation fails.
(Promise as any).withResolvers ??= function <T>() {
  let resolve!: (value: T) => void, reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

import * as restate from "@restatedev/restate-sdk";
import { z } from "zod";

const serde = restate.serde.schema;

const Tier = z.enum(["free", "pro", "enterprise"]).meta({ id: "Tier", description: "How much a plan offers." });

const Address = z
  .object({
    street: z.string(),
    city: z.string().describe("The city, as written on letters."),
    zip: z.string().regex(/^[0-9]{5}$/).optional(),
  })
  .meta({ id: "Address" });

const Plan = z
  .object({
    planId: z.string().min(1).max(40),
    tier: Tier,
    seats: z.number().int().min(1).max(1000),
    price: z.number().nonnegative(),
    active: z.boolean().default(true),
    tags: z.array(z.string()),
    limits: z.record(z.string(), z.number().int()),
    billing: Address.optional(),
    startsAt: z.iso.datetime().optional(),
    owner: z.uuid().optional(),
    note: z.string().nullable().optional(),
  })
  .meta({ id: "Plan", description: "A subscription plan." });

const Card = z.object({ kind: z.literal("card"), last4: z.string().length(4) }).meta({ id: "Card" });
const Invoice = z.object({ kind: z.literal("invoice"), email: z.email() }).meta({ id: "Invoice" });
const Payment = z.discriminatedUnion("kind", [Card, Invoice]).meta({ id: "Payment" });

const subscriptions = restate.service({
  name: "SubscriptionService",
  description: "Plans and what they cost.",
  handlers: {
    addPlan: restate.handlers.handler(
      { input: serde(Plan), output: serde(Plan), description: "Adds a plan and returns it as stored." },
      async (_ctx: restate.Context, plan: z.infer<typeof Plan>) => ({ ...plan, planId: plan.planId.toUpperCase() }),
    ),
    quote: restate.handlers.handler(
      {
        input: serde(z.object({ tier: Tier, seats: z.number().int().min(1), payment: Payment.optional() })),
        output: serde(z.object({ total: z.number(), currency: z.enum(["EUR", "USD"]) })),
      },
      async (_ctx: restate.Context, req) => {
        if (req.seats > 500) {
          // The convention restagen clients revive as the declared error class `TooManySeats`.
          throw new restate.TerminalError(`TooManySeats: seats ${req.seats}`, {
            errorCode: 422,
            metadata: {
              "restagen-error": "TooManySeats",
              "restagen-details": JSON.stringify({ seats: req.seats, limit: 500 }),
            },
          });
        }
        return { total: req.seats * (req.tier === "pro" ? 10 : 0), currency: "EUR" as const };
      },
    ),
    getCount: restate.handlers.handler(
      { output: serde(z.number().int()) },
      async (_ctx: restate.Context) => 3,
    ),
    ping: async (_ctx: restate.Context) => {},
  },
  options: { inactivityTimeout: { minutes: 1 }, idempotencyRetention: { hours: 2 } },
});

const counter = restate.object({
  name: "Counter",
  handlers: {
    add: restate.handlers.object.exclusive(
      { input: serde(z.number().int()), output: serde(z.number().int()) },
      async (ctx: restate.ObjectContext, delta: number) => {
        const value = ((await ctx.get<number>("value")) ?? 0) + delta;
        ctx.set("value", value);
        return value;
      },
    ),
    current: restate.handlers.object.shared(
      { output: serde(z.number().int()) },
      async (ctx: restate.ObjectSharedContext) => (await ctx.get<number>("value")) ?? 0,
    ),
  },
});

const onboarding = restate.workflow({
  name: "Onboarding",
  handlers: {
    run: restate.handlers.workflow.workflow(
      {
        input: serde(z.object({ email: z.email(), plan: Plan.optional() })),
        output: serde(z.object({ welcomed: z.boolean(), code: z.string() })),
      },
      async (ctx: restate.WorkflowContext, req) => {
        const code = await ctx.promise<string>("code");
        return { welcomed: req.email.includes("@"), code };
      },
    ),
    confirm: restate.handlers.workflow.shared(
      { input: serde(z.string().min(3)) },
      async (ctx: restate.WorkflowSharedContext, code: string) => {
        await ctx.promise<string>("code").resolve(code);
      },
    ),
  },
  options: { workflowRetention: { days: 1 } },
});

restate.serve({ services: [subscriptions, counter, onboarding], port: Number(process.argv[2] ?? 9080) });
