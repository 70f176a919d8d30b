#include "core/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

extern char** environ;

namespace qt {
namespace {

void Drain(int fd, std::string& into) {
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) into.append(buf, static_cast<size_t>(n));
}

std::vector<char*> Pointers(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (auto& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv_in,
                                 const std::vector<std::string>& extra_env) {
  if (argv_in.empty()) return InvalidArgument("no program to run");
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string var(*e);
    bool overridden = false;
    for (const auto& x : extra_env) {
      overridden = overridden || var.substr(0, var.find('=') + 1) == x.substr(0, x.find('=') + 1);
    }
    if (!overridden) env.push_back(std::move(var));
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Unavailable("pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return Unavailable("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  pid_t pid = 0;
  auto args = Pointers(argv);
  auto envp = Pointers(env);
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return Unavailable("cannot run " + argv[0] + ": " + std::string(strerror(rc)));
  }
  ProcessResult r;
  std::thread t([&] { Drain(err[0], r.err); });
  Drain(out[0], r.out);
  t.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace qt
