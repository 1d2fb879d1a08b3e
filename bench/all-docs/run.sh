#!/bin/bash
# One mirror, N ~60-byte records through /couch/big/_bulk_docs, then three _all_docs queries timed by curl (time to first
# byte, size) and the mirror's RSS before and after; data and log under the current directory.
# usage: bench/all-docs/run.sh SILO_DLL TAG N   (HTTP_PORT, SILO_PORT, GATEWAY_PORT override 22001/22011/22021)
DLL=$1; TAG=$2; N=$3; H=${HTTP_PORT:-22001}; SILO=${SILO_PORT:-22011}; GW=${GATEWAY_PORT:-22021}
rm -rf data-$TAG; mkdir -p data-$TAG
dotnet $DLL --data data-$TAG --http-port $H --silo-port $SILO --gateway-port $GW --cluster-id ad$TAG > m-$TAG.log 2>&1 &
PID=$!
for i in $(seq 1 60); do curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$H/healthz | grep -q 200 && break; sleep 1; done
curl -s -X PUT http://127.0.0.1:$H/couch/big > /dev/null
python3 - $H $N <<'PY'
import sys, json, urllib.request
h, n = sys.argv[1], int(sys.argv[2])
for b in range(0, n, 2000):
    docs = [{"_id": f"d{i:07d}", "v": i, "t": "x"*40} for i in range(b, min(n, b+2000))]
    req = urllib.request.Request(f"http://127.0.0.1:{h}/couch/big/_bulk_docs", data=json.dumps({"docs": docs}).encode(), headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req).read()
PY
sleep 2
RSS0=$(grep VmRSS /proc/$PID/status | awk '{print $2}')
for q in "" "?limit=100&skip=20000" "?include_docs=true&limit=1000"; do
  curl -s -o /dev/null -w "$TAG _all_docs$q: %{http_code} %{time_starttransfer}s %{size_download}B\n" "http://127.0.0.1:$H/couch/big/_all_docs$q"
done
RSS1=$(grep VmRSS /proc/$PID/status | awk '{print $2}')
echo "$TAG RSS ${RSS0}kB -> ${RSS1}kB"
kill -TERM $PID; wait $PID 2>/dev/null
