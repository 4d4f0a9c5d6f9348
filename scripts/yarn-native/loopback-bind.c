/*
 * LD_PRELOAD shim for scripts/yarn: a socket bound to the wildcard address (0.0.0.0 or ::) is bound to
 * the loopback address instead. Hadoop 3.3.6's ShuffleHandler, the MapReduce ApplicationMaster and its
 * tasks bind some of their ports to the wildcard with no setting to change it; with this preloaded into
 * the NodeManager and (through yarn.nodemanager.admin-env) into every container, nothing of the test
 * YARN listens beyond 127.0.0.1. Outgoing sockets (bound to port 0 implicitly) are not touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static bind_fn real;
  if (!real) real = (bind_fn)dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in in = *(const struct sockaddr_in *)addr;
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
      in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real(fd, (const struct sockaddr *)&in, sizeof in);
    }
  } else if (addr && addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 in6 = *(const struct sockaddr_in6 *)addr;
    if (memcmp(&in6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
      in6.sin6_addr = in6addr_loopback;
      return real(fd, (const struct sockaddr *)&in6, sizeof in6);
    }
  }
  return real(fd, addr, len);
}
