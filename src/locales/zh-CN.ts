import type { Messages } from './types'

export const zhCN: Messages = {
  errors: {
    'file-too-large': '{name} 太大了（上限为 {maxFileSize}）。',
    'file-too-small': '{name} 太小了（至少需要 {minFileSize}）。',
    'file-type-rejected': '不支持 {name} 的文件类型（允许：{accept}）。',
    'too-many-files': '最多只能添加 {maxFiles} 个文件。',
    'too-many-parts': '按当前设置，这个文件太大，无法上传。',
    'file-changed': '上传过程中文件在您的设备上被修改了。请重新选择该文件以重新开始。',
    'file-unreadable': '无法读取该文件，它可能已被移动或删除。',
    'hash-mismatch': '已上传的文件与您设备上的文件不一致，请重新上传。',
    network: '网络连接已断开，恢复后将自动继续上传。',
    timeout: '服务器响应超时，正在重试…',
    stalled: '上传没有进展，正在重试…',
    offline: '您已离线，恢复网络后将自动继续上传。',
    server: '服务器出现问题，正在重试…',
    rejected: '服务器拒绝了此次上传。',
    protocol: '服务器返回了无法识别的响应。',
    'not-found': '服务器上已找不到此上传任务，需要重新开始。',
    expired: '此上传任务在服务器上已过期，需要重新开始。',
    aborted: '上传已停止。',
    'storage-unavailable': '此浏览器无法保存上传进度，离开页面后将无法续传。',
    locked: '该文件正在另一个标签页中上传。',
    unsupported: '此浏览器不支持该操作。',
  },
}
