/* The relay's version: --version, health, system info, the documents. */
#ifndef POLICY_VERSION_H
#define POLICY_VERSION_H

#define RELAY_VERSION	"0.1.0"

#endif
