// The peer address of the connection whose message this thread is processing.
//
// QuickFIX C++ 1.15.1 never gives the application the peer's address: Session keeps its Responder
// private, and Responder has only send() and disconnect(). But every QuickFIX acceptor processes a
// message on the thread that has just read it from its socket: ThreadedSocketConnection::read()
// (one thread per connection) and SocketConnection::read() (SocketAcceptor's single thread) call
// socket_recv(), which is recv(2), and then processStream() on the same thread, which parses the
// bytes and calls Session::next(), which calls fromAdmin/fromApp. So the descriptor of the last
// recv() made by the thread that runs fromAdmin(Logon) is that connection's socket, still open, and
// getpeername(2) gives its address.
//
// This file interposes recv(): the acceptor binary defines the symbol, the dynamic linker binds
// libquickfix's (and every other library's) calls to it, and it records the descriptor in a
// thread-local variable before calling the C library's recv (found with dlsym(RTLD_NEXT)). Cost: one
// thread-local store per recv. It depends on no QuickFIX symbol or layout, only on QuickFIX reading
// plain sockets with recv(2) on the thread that processes what it read, which holds for every
// QuickFIX C++ release to date. It is not linked into any other program.
//
// This translation unit includes no socket header on purpose: with _FORTIFY_SOURCE, <sys/socket.h>
// declares recv as an inline wrapper, which this definition must not collide with.
#include <dlfcn.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

namespace {

thread_local int last_recv_fd = -1;

using recv_fn = ssize_t (*)(int, void *, size_t, int);

recv_fn libc_recv() {
    // The C library's recv, the next definition after this executable's in lookup order.
    static const recv_fn next = reinterpret_cast<recv_fn>(dlsym(RTLD_NEXT, "recv"));
    return next;
}

} // namespace

extern "C" ssize_t recv(int fd, void *buf, size_t len, int flags) {
    last_recv_fd = fd;
    const recv_fn next = libc_recv();
    if (next == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    return next(fd, buf, len, flags);
}

// The descriptor of this thread's last recv(), or -1 when it has made none.
int fixprov_acceptor_last_recv_fd() { return last_recv_fd; }
