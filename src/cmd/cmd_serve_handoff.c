/*
 * cmd_serve_handoff.c - 'champion serve' in the champion binary: handed to
 * champion-serve.
 *
 * champion is linked without the libraries only the server needs (h2o and
 * OpenSSL, libcurl, cmark-gfm), so that a short-lived process such as
 * mailgate does not spend its time loading them. This entry stands for
 * serve in its command table; main runs champion-serve (the same program
 * with everything linked in, installed beside champion) with the whole
 * command line, help included.
 */
#include "util/common.h"
#include "cmd/cmd.h"

const struct cmd cmd_serve = {"serve", CMD_SERVE_SUMMARY, NULL, NULL};
