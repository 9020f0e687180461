#!/bin/sh
# The program deploy/htaccess hands requests to: put it in the document root
# as relay.fcgi (chmod 755) and change the path below to where the binary is
# (outside the document root, e.g. /home/you/relay/relay).  mod_fcgid starts
# it with the FastCGI socket on fd 0; exec keeps that socket and the process
# id, and the relay then finds relay.conf beside its own binary.
#
# Substitution contract (tests/integ/frontend.c applies it textually):
#   "/srv/relay"  -> the directory holding the binary and relay.conf
exec /srv/relay/relay
