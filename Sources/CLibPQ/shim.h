#ifndef SESSION_SYNCD_CLIBPQ_SHIM_H
#define SESSION_SYNCD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
