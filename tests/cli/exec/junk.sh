#!/bin/sh
read line
echo "debug: starting up"
cat > /dev/null
