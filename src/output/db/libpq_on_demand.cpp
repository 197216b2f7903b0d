// libpq, loaded the first time a libpq function is called (planning a `postgres` stage checks
// its CONNINFO with libpq), not when gpipe starts.
//
// libpq brings in TLS, Kerberos, LDAP and SASL: more than half of the shared libraries gpipe
// would otherwise map and relocate at every start, for every pipeline, although only the
// `postgres` sink and the state row of a PostgreSQL load use them. Starting cost matters for
// the short runs a shell user makes all day (docs/performance.md, "Start-up").
//
// So gpipe does not link libpq. This file defines, with C linkage, each libpq function gpipe
// calls (the declarations are libpq-fe.h's, so the signatures are checked), and each forwards
// to the same function of libpq.so.5 opened with dlopen on first use. A function called
// elsewhere that is missing here is a link error, never a silent fallback.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include "gpipe/errors.hpp"

namespace gpipe {
namespace {

// The library's soname, set by CMakeLists.txt. GPIPE_LIBPQ names another libpq (a path or a
// soname), for a newer libpq installed beside the system's one.
constexpr const char* kLibpqSoname = GPIPE_LIBPQ_SONAME;

std::string libpq_name() {
  const char* chosen = std::getenv("GPIPE_LIBPQ");
  return chosen != nullptr && *chosen != '\0' ? chosen : kLibpqSoname;
}

void* open_libpq() {
  const std::string name = libpq_name();
  void* handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw IoError("postgres: cannot load libpq: " +
                  std::string(why != nullptr ? why : name + ": unknown error"));
  }
  return handle;
}

void* libpq_handle() {
  // Opened once, by whichever thread asks first (a static's initialisation is thread-safe);
  // never closed: libpq keeps process-wide state until exit.
  static void* const handle = open_libpq();
  return handle;
}

template <typename Function>
Function* libpq_function(const char* name) {
  void* symbol = ::dlsym(libpq_handle(), name);
  if (symbol == nullptr) {
    throw IoError("postgres: " + libpq_name() + " has no function " + name);
  }
  return reinterpret_cast<Function*>(symbol);
}

}  // namespace
}  // namespace gpipe

// Each definition looks its function up once, the first time it is called.
#define GPIPE_LIBPQ(name) static auto* const real = gpipe::libpq_function<decltype(::name)>(#name)

extern "C" {

PGconn* PQconnectdb(const char* conninfo) {
  GPIPE_LIBPQ(PQconnectdb);
  return real(conninfo);
}
void PQfinish(PGconn* conn) {
  GPIPE_LIBPQ(PQfinish);
  real(conn);
}
ConnStatusType PQstatus(const PGconn* conn) {
  GPIPE_LIBPQ(PQstatus);
  return real(conn);
}
char* PQerrorMessage(const PGconn* conn) {
  GPIPE_LIBPQ(PQerrorMessage);
  return real(conn);
}
int PQsetClientEncoding(PGconn* conn, const char* encoding) {
  GPIPE_LIBPQ(PQsetClientEncoding);
  return real(conn, encoding);
}
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  GPIPE_LIBPQ(PQconninfoParse);
  return real(conninfo, errmsg);
}
void PQconninfoFree(PQconninfoOption* options) {
  GPIPE_LIBPQ(PQconninfoFree);
  real(options);
}
void PQfreemem(void* ptr) {
  GPIPE_LIBPQ(PQfreemem);
  real(ptr);
}
PGresult* PQexec(PGconn* conn, const char* query) {
  GPIPE_LIBPQ(PQexec);
  return real(conn, query);
}
PGresult* PQexecParams(PGconn* conn, const char* command, int count, const Oid* types,
                       const char* const* values, const int* lengths, const int* formats,
                       int result_format) {
  GPIPE_LIBPQ(PQexecParams);
  return real(conn, command, count, types, values, lengths, formats, result_format);
}
PGresult* PQgetResult(PGconn* conn) {
  GPIPE_LIBPQ(PQgetResult);
  return real(conn);
}
int PQputCopyData(PGconn* conn, const char* buffer, int bytes) {
  GPIPE_LIBPQ(PQputCopyData);
  return real(conn, buffer, bytes);
}
int PQputCopyEnd(PGconn* conn, const char* error) {
  GPIPE_LIBPQ(PQputCopyEnd);
  return real(conn, error);
}
ExecStatusType PQresultStatus(const PGresult* result) {
  GPIPE_LIBPQ(PQresultStatus);
  return real(result);
}
char* PQresultErrorMessage(const PGresult* result) {
  GPIPE_LIBPQ(PQresultErrorMessage);
  return real(result);
}
char* PQresultErrorField(const PGresult* result, int field) {
  GPIPE_LIBPQ(PQresultErrorField);
  return real(result, field);
}
int PQntuples(const PGresult* result) {
  GPIPE_LIBPQ(PQntuples);
  return real(result);
}
char* PQgetvalue(const PGresult* result, int row, int column) {
  GPIPE_LIBPQ(PQgetvalue);
  return real(result, row, column);
}
void PQclear(PGresult* result) {
  GPIPE_LIBPQ(PQclear);
  real(result);
}

}  // extern "C"
