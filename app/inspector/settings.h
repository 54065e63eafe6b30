#pragma once
// What the inspector remembers between sessions (QSettings, organisation "ViTCoP", application
// "Inspector"): window layout, recent files, the last model folder and the last choices.
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace vitcop::inspector {

class Settings {
 public:
  static constexpr int kMaxRecent = 10;

  QStringList recentFiles() const;
  void addRecentFile(const QString& path);  // most recent first, no duplicates

  QVariant value(const QString& key, const QVariant& fallback = {}) const;
  void setValue(const QString& key, const QVariant& value);

  QByteArray geometry() const;
  QByteArray windowState() const;
  void saveLayout(const QByteArray& geometry, const QByteArray& state);

  // True only until markFirstStartDone(): the sample gallery opens by itself the first time.
  bool firstStart() const;
  void markFirstStartDone();

  void sync();  // write pending changes now (on close)
};

}  // namespace vitcop::inspector
