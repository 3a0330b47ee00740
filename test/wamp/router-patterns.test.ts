/**
 * Pattern subscriptions and registrations at scale (issue 9): the broker and the dealer find the
 * patterns a URI matches through their indexes, so a PUBLISH or CALL costs in proportion to its matches,
 * not to the number of prefix/wildcard entries; matching, ids, order and the best-match rule are those of
 * the linear scans they replace; nothing is left in the indexes once every session has left.
 *
 * Sessions here are attached to the router in memory (no sockets), so 100,000 subscriptions take a
 * fraction of a second and every count is deterministic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERIALIZERS } from 'sealwire/wamp';
import { Router, type RouterSession } from 'sealwire/wamp/router';

const codec = SERIALIZERS.json;

const HELLO = 1;
const WELCOME = 2;
const GOODBYE = 6;
const ERROR = 8;
const PUBLISH = 16;
const PUBLISHED = 17;
const SUBSCRIBE = 32;
const SUBSCRIBED = 33;
const UNSUBSCRIBE = 34;
const UNSUBSCRIBED = 35;
const EVENT = 36;
const CALL = 48;
const RESULT = 50;
const REGISTER = 64;
const REGISTERED = 65;
const UNREGISTER = 66;
const UNREGISTERED = 67;
const INVOCATION = 68;
const YIELD = 70;

interface MemoryPeer {
  session: RouterSession;
  /** Frames the router sent, decoded on demand (100,000 SUBSCRIBED frames stay cheap). */
  frames: Array<string | Uint8Array>;
  send(message: unknown[]): void;
  /** Decodes and removes every frame received so far. */
  take(): unknown[][];
  /** The one message of `type` among those received so far (fails if there is not exactly one). */
  one(type: number): unknown[];
}

function peer(router: Router): MemoryPeer {
  const frames: Array<string | Uint8Array> = [];
  const session = router.attach(
    { send: (frame) => void frames.push(frame), bufferedAmount: () => 0, close() {} },
    codec,
  );
  const take = () => frames.splice(0).map((frame) => codec.decode(frame) as unknown[]);
  const created: MemoryPeer = {
    session,
    frames,
    send: (message) => session.receive(codec.encode(message)),
    take,
    one(type) {
      const matching = take().filter((message) => message[0] === type);
      assert.equal(matching.length, 1, `one message of type ${type}`);
      return matching[0]!;
    },
  };
  created.send([
    HELLO,
    'realm1',
    { roles: { publisher: {}, subscriber: {}, caller: {}, callee: {} }, authid: `peer-${session.id}` },
  ]);
  created.one(WELCOME);
  return created;
}

function subscribe(p: MemoryPeer, topic: string, match: string, request = 1): number {
  p.send([SUBSCRIBE, request, match === 'exact' ? {} : { match }, topic]);
  return p.one(SUBSCRIBED)[2] as number;
}

function events(p: MemoryPeer): Array<{ subscription: number; topic: unknown; args: unknown }> {
  return p
    .take()
    .filter((message) => message[0] === EVENT)
    .map((message) => ({
      subscription: message[1] as number,
      topic: (message[3] as { topic?: string }).topic,
      args: message[4],
    }));
}

test('a publish visits index nodes by its matches, not by 100,000 non-matching pattern subscriptions', () => {
  const router = new Router();
  const broker = router.realm('realm1')!.broker;
  const sessions = Array.from({ length: 100 }, () => peer(router));
  // 100 sessions x 1,000 patterns (the default per-session limit): 500 wildcard, 500 prefix each, none
  // of which the published topics below match.
  sessions.forEach((p, s) => {
    for (let i = 0; i < 500; i++) {
      p.send([SUBSCRIBE, 2 * i + 1, { match: 'wildcard' }, `app.s${s}..p${i}`]);
      p.send([SUBSCRIBE, 2 * i + 2, { match: 'prefix' }, `app.s${s}.p${i}.`]);
    }
    assert.equal(p.take().filter((message) => message[0] === SUBSCRIBED).length, 1000);
  });
  assert.equal(broker.stats.subscriptions, 100_000);
  // The one subscription the topics below match.
  const matching = peer(router);
  const matchingId = subscribe(matching, 'app.s5..q9', 'wildcard');
  const publisher = peer(router);
  const before = broker.stats;
  const publishes = 100;
  for (let i = 0; i < publishes; i++)
    publisher.send([PUBLISH, i + 1, { acknowledge: true }, i % 2 ? 'com.example.topic' : 'app.s5.zz.q9']);
  assert.equal(publisher.take().filter((message) => message[0] === PUBLISHED).length, publishes);
  const after = broker.stats;
  const perPublish =
    (after.prefix.visits - before.prefix.visits + after.wildcard.visits - before.wildcard.visits) / publishes;
  // A linear scan would look at 100,000 entries per publish; the indexes look at a handful of nodes on
  // the topic's own path (at most one per character for prefixes, two per component for wildcards).
  assert.ok(perPublish <= 20, `${perPublish} index nodes visited per publish`);
  for (const p of sessions) assert.deepEqual(events(p), []);
  const delivered = events(matching);
  assert.equal(delivered.length, publishes / 2);
  assert.ok(delivered.every((event) => event.subscription === matchingId && event.topic === 'app.s5.zz.q9'));
});

test('200 acknowledged publishes with 100,000 non-matching wildcard subscriptions take well under a second', () => {
  const router = new Router();
  const sessions = Array.from({ length: 100 }, () => peer(router));
  sessions.forEach((p, s) => {
    for (let i = 0; i < 1000; i++) p.send([SUBSCRIBE, i + 1, { match: 'wildcard' }, `com.s${s}.${i}.`]);
    p.take();
  });
  const publisher = peer(router);
  const start = performance.now();
  for (let i = 0; i < 200; i++) publisher.send([PUBLISH, i + 1, { acknowledge: true }, 'com.example.update']);
  const elapsed = performance.now() - start;
  assert.equal(publisher.take().filter((message) => message[0] === PUBLISHED).length, 200);
  // Generous: the index takes a few ms here; the linear scan it replaced took seconds.
  assert.ok(elapsed < 1000, `200 publishes took ${elapsed.toFixed(0)} ms`);
});

test('one EVENT per matching subscription, in subscription order, pattern events carry the topic', () => {
  const router = new Router();
  const sub = peer(router);
  const other = peer(router);
  const ids = {
    exact: subscribe(sub, 'com.a.c', 'exact'),
    prefixShort: subscribe(sub, 'com.a', 'prefix'),
    wildAny: subscribe(sub, '..', 'wildcard'),
    prefixDot: subscribe(sub, 'com.a.', 'prefix'),
    wildMiddle: subscribe(sub, 'com..c', 'wildcard'),
    prefixPartial: subscribe(sub, 'com.a.c', 'prefix'),
    wildFirst: subscribe(sub, '.a.c', 'wildcard'),
    wildLast: subscribe(sub, 'com.a.', 'wildcard'),
  };
  // Non-matching neighbours: longer, shorter, other component counts.
  subscribe(sub, 'com.a.cc', 'prefix');
  subscribe(sub, 'com.a.c.d', 'prefix');
  subscribe(sub, 'com.', 'wildcard');
  subscribe(sub, 'com.a.c.', 'wildcard');
  subscribe(sub, 'com.b.', 'wildcard');
  // The same pattern from another session shares the subscription id.
  assert.equal(subscribe(other, 'com..c', 'wildcard'), ids.wildMiddle);
  other.send([PUBLISH, 9, { acknowledge: true }, 'com.a.c', ['x']]);
  other.one(PUBLISHED);
  assert.deepEqual(events(sub), [
    { subscription: ids.exact, topic: undefined, args: ['x'] },
    { subscription: ids.prefixShort, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.prefixDot, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.prefixPartial, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.wildAny, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.wildMiddle, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.wildFirst, topic: 'com.a.c', args: ['x'] },
    { subscription: ids.wildLast, topic: 'com.a.c', args: ['x'] },
  ]);
  // exclude_me (default) keeps the publisher's own pattern subscription quiet.
  assert.deepEqual(events(other), []);
  // A string prefix, not a component prefix: `com.a` covers `com.ab.x`.
  other.send([PUBLISH, 10, { acknowledge: true, exclude_me: false }, 'com.ab.c', ['y']]);
  other.one(PUBLISHED);
  assert.deepEqual(
    events(sub).map((event) => event.subscription),
    [ids.prefixShort, ids.wildAny, ids.wildMiddle],
  );
});

test('exclusion and eligibility lists apply to pattern subscriptions', () => {
  const router = new Router();
  const a = peer(router);
  const b = peer(router);
  const pub = peer(router);
  const prefixId = subscribe(a, 'com.f', 'prefix');
  assert.equal(subscribe(b, 'com.f', 'prefix'), prefixId);
  const wildcardId = subscribe(a, 'com..x', 'wildcard');
  assert.equal(subscribe(b, 'com..x', 'wildcard'), wildcardId);
  pub.send([PUBLISH, 1, { acknowledge: true, exclude: [a.session.id] }, 'com.f.x', [1]]);
  pub.send([PUBLISH, 2, { acknowledge: true, eligible: [a.session.id] }, 'com.f.x', [2]]);
  pub.send([PUBLISH, 3, { acknowledge: true, exclude_authid: [b.session.auth!.authid] }, 'com.f.x', [3]]);
  pub.send([PUBLISH, 4, { acknowledge: true, eligible_authrole: ['nobody'] }, 'com.f.x', [4]]);
  assert.equal(pub.take().filter((message) => message[0] === PUBLISHED).length, 4);
  const summary = (p: MemoryPeer) =>
    events(p).map((event) => [event.subscription, (event.args as number[])[0]]);
  assert.deepEqual(summary(a), [
    [prefixId, 2],
    [wildcardId, 2],
    [prefixId, 3],
    [wildcardId, 3],
  ]);
  assert.deepEqual(summary(b), [
    [prefixId, 1],
    [wildcardId, 1],
  ]);
});

test('an exclude or eligible list naming an ID beyond 2^53 is refused, not rounded onto another session', () => {
  const router = new Router();
  const a = peer(router);
  const pub = peer(router);
  subscribe(a, 'com.g', 'prefix');
  // 9007199254740993 (2^53 + 1) reaches the router as 2^53 once parsed: no ID this router hands out.
  const raw = (text: string) => pub.session.receive(text);
  raw(`[${PUBLISH},1,{"acknowledge":true,"exclude":[9007199254740993]},"com.g.x",[1]]`);
  raw(`[${PUBLISH},2,{"acknowledge":true,"eligible":[${a.session.id},9007199254740993]},"com.g.x",[2]]`);
  raw(`[${PUBLISH},3,{"acknowledge":true,"exclude":[1.5]},"com.g.x",[3]]`);
  const answers = pub.take();
  assert.deepEqual(
    answers.map((message) => [message[0], message[2], message[4]]),
    [1, 2, 3].map((request) => [ERROR, request, 'wamp.error.invalid_argument']),
  );
  assert.deepEqual(events(a), [], 'nothing was published');
  // IDs this router draws stay below 2^53, so every one of them can be named exactly.
  assert.ok(Number.isSafeInteger(a.session.id) && Number.isSafeInteger(pub.session.id));
});

test('unsubscribe and leaving sessions empty the broker indexes', () => {
  const router = new Router();
  const broker = router.realm('realm1')!.broker;
  const sessions = Array.from({ length: 20 }, () => peer(router));
  const publisher = peer(router);
  sessions.forEach((p, s) => {
    for (let i = 0; i < 50; i++) {
      p.send([SUBSCRIBE, 3 * i + 1, { match: 'wildcard' }, `com.${i % 7}..${s % 3}`]);
      p.send([SUBSCRIBE, 3 * i + 2, { match: 'prefix' }, `com.${i % 5}.${s}`]);
      p.send([SUBSCRIBE, 3 * i + 3, {}, `com.exact.${i}`]);
    }
  });
  // Unsubscribe half of one session's subscriptions by id; the rest go when the sessions leave.
  const first = sessions[0]!;
  const subscribed = first
    .take()
    .filter((message) => message[0] === SUBSCRIBED)
    .map((message) => message[2] as number);
  for (const id of new Set(subscribed.slice(0, 75))) first.send([UNSUBSCRIBE, 1000 + id, id]);
  assert.ok(first.take().every((message) => message[0] === UNSUBSCRIBED));
  publisher.send([PUBLISH, 1, { acknowledge: true }, 'com.3.x.1']);
  publisher.one(PUBLISHED);
  assert.ok(broker.stats.subscriptions > 0);
  sessions.forEach((p, s) => {
    if (s % 2) p.send([GOODBYE, {}, 'wamp.close.close_realm']);
    else router.detach(p.session);
  });
  assert.deepEqual(broker.stats, {
    subscriptions: 0,
    prefix: { patterns: 0, nodes: 0, visits: broker.stats.prefix.visits },
    wildcard: { patterns: 0, nodes: 0, visits: broker.stats.wildcard.visits },
  });
  // And the broker still works from empty.
  const late = peer(router);
  const id = subscribe(late, 'com..x', 'wildcard');
  publisher.send([PUBLISH, 2, { acknowledge: true }, 'com.y.x', ['z']]);
  assert.deepEqual(events(late), [{ subscription: id, topic: 'com.y.x', args: ['z'] }]);
});

/** A callee that answers every INVOCATION with the registration id it came in on. */
function call(caller: MemoryPeer, callees: MemoryPeer[], procedure: string): unknown {
  caller.send([CALL, 1, {}, procedure]);
  for (const callee of callees) {
    for (const message of callee.take()) {
      if (message[0] !== INVOCATION) continue;
      const details = message[3] as { procedure?: string };
      callee.send([YIELD, message[1], {}, [message[2], details.procedure ?? null]]);
    }
  }
  const answers = caller.take();
  assert.equal(answers.length, 1);
  const answer = answers[0]!;
  if (answer[0] === ERROR) return answer[4];
  assert.equal(answer[0], RESULT);
  return answer[3];
}

function register(p: MemoryPeer, procedure: string, match: string): number {
  p.send([REGISTER, 1, match === 'exact' ? {} : { match }, procedure]);
  return p.one(REGISTERED)[2] as number;
}

test('dealer: exact, then longest prefix, then most non-empty wildcard components, first registered on ties', () => {
  const router = new Router();
  const dealer = router.realm('realm1')!.dealer;
  const callee = peer(router);
  const second = peer(router);
  const caller = peer(router);
  const both = [callee, second];
  const exact = register(callee, 'com.a.b.c', 'exact');
  const prefixShort = register(callee, 'com.a', 'prefix');
  const prefixLong = register(callee, 'com.a.b', 'prefix');
  const tieFirst = register(callee, 'x..c', 'wildcard');
  const tieSecond = register(second, '.b.c', 'wildcard');
  const weak = register(callee, '..c', 'wildcard');
  const strong = register(second, 'x.b.', 'wildcard');
  assert.deepEqual(call(caller, both, 'com.a.b.c'), [exact, null]);
  assert.deepEqual(call(caller, both, 'com.a.b.d'), [prefixLong, 'com.a.b.d']);
  assert.deepEqual(call(caller, both, 'com.ab'), [prefixShort, 'com.ab']);
  assert.deepEqual(call(caller, both, 'y.b.c'), [tieSecond, 'y.b.c']);
  assert.deepEqual(call(caller, both, 'x.q.c'), [tieFirst, 'x.q.c']);
  assert.deepEqual(call(caller, both, 'z.z.c'), [weak, 'z.z.c']);
  // x.b.c: x..c, .b.c and x.b. all have two non-empty components: the first registered wins.
  assert.deepEqual(call(caller, both, 'x.b.c'), [tieFirst, 'x.b.c']);
  // Unregistered and registered again, x..c is now the newest of the three: .b.c wins.
  callee.send([UNREGISTER, 2, tieFirst]);
  callee.one(UNREGISTERED);
  assert.deepEqual(call(caller, both, 'x.b.c'), [tieSecond, 'x.b.c']);
  const again = register(callee, 'x..c', 'wildcard');
  assert.deepEqual(call(caller, both, 'x.b.c'), [tieSecond, 'x.b.c']);
  assert.deepEqual(call(caller, both, 'x.q.c'), [again, 'x.q.c']);
  assert.deepEqual(call(caller, both, 'x.b.d'), [strong, 'x.b.d']);
  assert.equal(call(caller, both, 'x.b'), 'wamp.error.no_such_procedure');
  router.detach(callee.session);
  second.send([GOODBYE, {}, 'wamp.close.close_realm']);
  assert.deepEqual(dealer.stats, {
    registrations: 0,
    prefix: { patterns: 0, nodes: 0, visits: dealer.stats.prefix.visits },
    wildcard: { patterns: 0, nodes: 0, visits: dealer.stats.wildcard.visits },
  });
});
