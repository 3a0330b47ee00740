"""Autobahn|Python peer driven by test/interop/autobahn*.test.ts (run with /usr/bin/python3).

Modes: sub, pub, callee, caller, join. Prints one marker line per step (READY, EVENT <json>,
RESULT <json>, ERROR <json>, WELCOME <json>) and exits by itself after --count items or --timeout s.
"""
import argparse
import base64
import json
import os
import sys

import txaio

txaio.use_asyncio()

import asyncio  # noqa: E402

from autobahn.asyncio.component import Component  # noqa: E402
from autobahn.wamp.cryptobox import Key, KeyRing  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallResult, RegisterOptions, SubscribeOptions, PublishOptions  # noqa: E402


def emit(tag, value=None):
    line = '@@ ' + (tag if value is None else tag + ' ' + json.dumps(value, default=plain))
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def plain(value):
    if isinstance(value, (bytes, bytearray)):
        return {'$bytes': base64.b64encode(bytes(value)).decode('ascii')}
    raise TypeError(type(value))


def revive(value):
    if isinstance(value, dict):
        if set(value) == {'$bytes'}:
            return base64.b64decode(value['$bytes'])
        return {k: revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revive(v) for v in value]
    return value


def keyring(spec):
    if not spec:
        return None
    ring = KeyRing()
    for uri, key in spec.items():
        ring.set_key(uri, Key(originator_priv=key.get('originator_priv'), originator_pub=key.get('originator_pub'),
                              responder_priv=key.get('responder_priv'), responder_pub=key.get('responder_pub')))
    return ring


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['sub', 'pub', 'callee', 'caller', 'join'])
    parser.add_argument('--url', required=True)
    parser.add_argument('--realm', default='realm1')
    parser.add_argument('--serializer', default='json')
    parser.add_argument('--uri', default='com.example.topic')
    parser.add_argument('--match', default='exact')
    parser.add_argument('--keys', default='')
    parser.add_argument('--args', default='[]')
    parser.add_argument('--kwargs', default='{}')
    parser.add_argument('--count', type=int, default=1)
    parser.add_argument('--timeout', type=float, default=20)
    parser.add_argument('--authid', default=None)
    parser.add_argument('--cryptosign-key', default=None)
    opts = parser.parse_args()

    args = revive(json.loads(opts.args))
    kwargs = revive(json.loads(opts.kwargs))
    ring = keyring(json.loads(opts.keys) if opts.keys else None)
    authentication = None
    if opts.cryptosign_key:
        authentication = {'cryptosign': {'authid': opts.authid, 'privkey': opts.cryptosign_key}}

    transport = {'type': 'websocket', 'url': opts.url, 'serializers': [opts.serializer], 'max_retries': 0}
    comp = Component(transports=[transport], realm=opts.realm, authentication=authentication)
    state = {'seen': 0}

    def finish(code=0):
        sys.stdout.flush()
        os._exit(code)

    @comp.on_join
    async def joined(session, details):
        if ring is not None:
            session.set_payload_codec(ring)
        if opts.mode == 'join':
            emit('WELCOME', {'authid': details.authid, 'authrole': details.authrole, 'authmethod': details.authmethod})
            finish(0)
        if opts.mode == 'sub':
            def on_event(*a, **kw):
                details = kw.pop('details', None)
                emit('EVENT', {'args': list(a), 'kwargs': kw, 'topic': details.topic if details else None,
                               'enc_algo': details.enc_algo if details else None})
                state['seen'] += 1
                if state['seen'] >= opts.count:
                    finish(0)
            await session.subscribe(on_event, opts.uri, options=SubscribeOptions(match=opts.match, details_arg='details'))
            emit('READY')
        elif opts.mode == 'pub':
            for i in range(opts.count):
                await session.publish(opts.uri, *args, options=PublishOptions(acknowledge=True), **kwargs)
            emit('PUBLISHED', {'count': opts.count})
            finish(0)
        elif opts.mode == 'callee':
            def endpoint(*a, **kw):
                kw.pop('details', None)
                state['seen'] += 1
                if a and a[0] == 'fail':
                    raise ApplicationError('com.example.error.refused', 'callee refused', reason='asked to fail')
                result = CallResult('echo', *a, seen=state['seen'], **kw)
                if state['seen'] >= opts.count:
                    asyncio.get_event_loop().call_later(0.3, finish, 0)
                return result
            await session.register(endpoint, opts.uri, options=RegisterOptions(match=opts.match, details_arg='details'))
            emit('READY')
        elif opts.mode == 'caller':
            for i in range(opts.count):
                try:
                    res = await session.call(opts.uri, *args, **kwargs)
                    if isinstance(res, CallResult):
                        emit('RESULT', {'args': list(res.results), 'kwargs': res.kwresults})
                    else:
                        emit('RESULT', {'args': [res], 'kwargs': {}})
                except ApplicationError as err:
                    emit('ERROR', {'error': err.error, 'args': list(err.args), 'kwargs': err.kwargs})
            finish(0)

    @comp.on_connectfailure
    def failed(comp_, error):
        emit('CONNECTFAIL', {'error': str(error)})
        finish(3)

    @comp.on_leave
    def left(session, details):
        emit('LEAVE', {'reason': details.reason, 'message': details.message})
        finish(4)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.call_later(opts.timeout, lambda: (emit('TIMEOUT'), finish(5)))
    txaio.start_logging(out=sys.stderr, level='warn')
    # autobahn.asyncio.component.run() uses asyncio.coroutine, gone in Python 3.11: drive the loop here.
    done = comp.start(loop=loop)
    done.add_done_callback(lambda f: finish(0 if f.exception() is None else 6))
    loop.run_forever()


main()
