/* hello-health: a tiny HTTP service for relkit's build-packages.yml example.
 *
 * Answers GET /health with 200 and {"status":"ok"}, anything else with 404. Listens on the port
 * given as the first argument, else $PORT, else 8080; exits cleanly on SIGTERM/SIGINT, as
 * systemd expects of a Type=simple service. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static void reply(int fd, const char *status, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, strlen(body));
    if (n > 0 && write(fd, head, (size_t)n) < 0)
        return;
    if (write(fd, body, strlen(body)) < 0)
        return;
}

int main(int argc, char **argv) {
    const char *port_text = argc > 1 ? argv[1] : getenv("PORT");
    long port = port_text ? strtol(port_text, NULL, 10) : 8080;
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "hello-health: invalid port '%s'\n", port_text);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: accept() returns EINTR on SIGTERM */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (server < 0) {
        perror("hello-health: socket");
        return 3;
    }
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 16) < 0) {
        fprintf(stderr, "hello-health: cannot listen on 127.0.0.1:%ld: %s\n", port, strerror(errno));
        return 3;
    }
    printf("hello-health: listening on 127.0.0.1:%ld\n", port);
    fflush(stdout);

    while (!stopping) {
        int client = accept(server, NULL, NULL);
        if (client < 0) {
            if (errno == EINTR)
                continue;
            perror("hello-health: accept");
            break;
        }
        char request[1024];
        ssize_t got = read(client, request, sizeof request - 1);
        if (got > 0) {
            request[got] = '\0';
            if (strncmp(request, "GET /health ", 12) == 0 || strncmp(request, "HEAD /health ", 13) == 0)
                reply(client, "200 OK", "{\"status\":\"ok\"}\n");
            else
                reply(client, "404 Not Found", "{\"error\":\"not found\"}\n");
        }
        close(client);
    }
    close(server);
    printf("hello-health: stopped\n");
    return 0;
}
