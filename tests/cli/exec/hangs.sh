#!/bin/sh
read line
printf '{"type":"hello","protocol":1}\n'
exec sleep 30
