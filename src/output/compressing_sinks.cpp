// zstd and gzip compressors in front of another ByteSink.
#define ZLIB_CONST  // lets deflate read from const input without casts
#include "output/compressing_sinks.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <string_view>
#include <thread>

#include "gpipe/errors.hpp"

namespace gpipe {

namespace {

// Compressed bytes are handed to the inner sink in pieces of about this size; the inner sink is
// a file descriptor, so larger pieces only cost memory.
constexpr std::size_t kGzipOutputBuffer = 256 * 1024;

// One core is left to the pipeline; zstd's gain flattens beyond a few workers.
unsigned zstd_workers() {
  constexpr unsigned kMostWorkers = 4;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores <= 1 ? 0 : std::min(cores - 1, kMostWorkers);
}

class ZstdSink final : public ByteSink {
 public:
  ZstdSink(std::unique_ptr<ByteSink> inner, std::string name, int level)
      : inner_(std::move(inner)),
        name_(std::move(name)),
        context_(ZSTD_createCCtx()),
        buffer_size_(ZSTD_CStreamOutSize()),
        buffer_(new char[buffer_size_]) {
    if (!context_) throw IoError("cannot compress '" + name_ + "': out of memory");
    check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_compressionLevel,
                                 level == 0 ? kDefaultLevel : level));
    check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_checksumFlag, 1));
    // Worker threads of zstd's own compress while the pipeline goes on; a libzstd built
    // without them refuses the parameter, and compresses on this thread as before.
    if (const unsigned workers = zstd_workers(); workers != 0) {
      ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_nbWorkers, static_cast<int>(workers));
    }
  }

  void write(std::string_view bytes) override {
    if (bytes.empty()) return;
    compress(bytes, ZSTD_e_continue);
    frame_open_ = true;
  }

  // An output without a byte still gets its one (empty) frame; after a checkpoint with nothing
  // written since, no empty frame follows the committed length.
  void commit() override {
    if (frame_open_ || !checkpointed_) compress({}, ZSTD_e_end);
    inner_->commit();
  }
  // The frame ends here; zstd starts the next one with the next write.
  std::uint64_t checkpoint() override {
    if (frame_open_ || !checkpointed_) compress({}, ZSTD_e_end);
    frame_open_ = false;
    checkpointed_ = true;
    return inner_->checkpoint();
  }

 private:
  static constexpr int kDefaultLevel = 3;

  struct ContextDeleter {
    void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
  };

  std::size_t check(std::size_t result) const {
    if (ZSTD_isError(result)) {
      throw IoError("cannot compress '" + name_ + "': " + ZSTD_getErrorName(result));
    }
    return result;
  }

  // With e_continue, returns once all input is consumed (zstd keeps what it has not yet
  // emitted); with e_end, once the frame is completely written out.
  void compress(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    bool done = false;
    while (!done) {
      ZSTD_outBuffer out{buffer_.get(), buffer_size_, 0};
      const std::size_t still_buffered =
          check(ZSTD_compressStream2(context_.get(), &out, &in, mode));
      if (out.pos != 0) inner_->write({buffer_.get(), out.pos});
      done = mode == ZSTD_e_end ? still_buffered == 0 : in.pos == in.size;
    }
  }

  std::unique_ptr<ByteSink> inner_;
  std::string name_;
  std::unique_ptr<ZSTD_CCtx, ContextDeleter> context_;
  std::size_t buffer_size_;
  std::unique_ptr<char[]> buffer_;
  bool frame_open_ = false;    // bytes written since the last frame ended
  bool checkpointed_ = false;  // a frame was ended by checkpoint()
};

class GzipSink final : public ByteSink {
 public:
  GzipSink(std::unique_ptr<ByteSink> inner, std::string name, int level)
      : inner_(std::move(inner)), name_(std::move(name)), buffer_(new char[kGzipOutputBuffer]) {
    // windowBits 15 + 16: the largest window, with a gzip header and trailer instead of zlib's.
    if (deflateInit2(&stream_, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw IoError("cannot compress '" + name_ + "': out of memory");
    }
  }
  ~GzipSink() override { deflateEnd(&stream_); }
  GzipSink(const GzipSink&) = delete;
  GzipSink& operator=(const GzipSink&) = delete;

  void write(std::string_view bytes) override {
    if (!bytes.empty()) member_open_ = true;
    // avail_in is 32 bits wide: feed larger writes in pieces.
    while (!bytes.empty()) {
      const std::size_t piece = std::min<std::size_t>(bytes.size(), UINT_MAX);
      deflate_piece(bytes.substr(0, piece), Z_NO_FLUSH);
      bytes.remove_prefix(piece);
    }
  }

  void commit() override {
    if (member_open_ || !checkpointed_) deflate_piece({}, Z_FINISH);
    inner_->commit();
  }
  // The member ends here; the next write starts another (zcat reads them as one stream).
  std::uint64_t checkpoint() override {
    if (member_open_ || !checkpointed_) {
      deflate_piece({}, Z_FINISH);
      if (deflateReset(&stream_) != Z_OK) throw IoError("cannot compress '" + name_ + "'");
    }
    member_open_ = false;
    checkpointed_ = true;
    return inner_->checkpoint();
  }

 private:
  void deflate_piece(std::string_view bytes, int flush) {
    stream_.next_in = reinterpret_cast<const Bytef*>(bytes.data());
    stream_.avail_in = static_cast<uInt>(bytes.size());
    int status = Z_OK;
    // Deflate until it leaves room in the output buffer (all input taken) or, when finishing,
    // until the trailer is out.
    do {
      stream_.next_out = reinterpret_cast<Bytef*>(buffer_.get());
      stream_.avail_out = static_cast<uInt>(kGzipOutputBuffer);
      status = deflate(&stream_, flush);
      if (status == Z_STREAM_ERROR) throw IoError("cannot compress '" + name_ + "'");
      const std::size_t produced = kGzipOutputBuffer - stream_.avail_out;
      if (produced != 0) inner_->write({buffer_.get(), produced});
    } while (flush == Z_FINISH ? status != Z_STREAM_END : stream_.avail_out == 0);
  }

  std::unique_ptr<ByteSink> inner_;
  std::string name_;
  std::unique_ptr<char[]> buffer_;
  z_stream stream_{};
  bool member_open_ = false;   // bytes written since the last member ended
  bool checkpointed_ = false;  // a member was ended by checkpoint()
};

}  // namespace

std::unique_ptr<ByteSink> make_zstd_sink(std::unique_ptr<ByteSink> inner, std::string name,
                                         int level) {
  return std::make_unique<ZstdSink>(std::move(inner), std::move(name), level);
}

std::unique_ptr<ByteSink> make_gzip_sink(std::unique_ptr<ByteSink> inner, std::string name,
                                         int level) {
  return std::make_unique<GzipSink>(std::move(inner), std::move(name), level);
}

}  // namespace gpipe
