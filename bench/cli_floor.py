"""The floor of a command's time: a fresh Python process that makes one JSON-RPC eth_call (bench/cli.py).

Usage: python bench/cli_floor.py URI ADDRESS. It imports only the standard library, asks the node for
challengeCount() at ADDRESS and exits.
"""

import json
import sys
import urllib.request

uri, address = sys.argv[1], sys.argv[2]
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call",
                   "params": [{"to": address, "data": "0xa2f05725"}, "latest"]}).encode()
with urllib.request.urlopen(urllib.request.Request(uri, body, {"Content-Type": "application/json"})) as answer:
    json.loads(answer.read())
