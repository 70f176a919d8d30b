// Chinese and English labels. The language is kept in localStorage.
import { useState } from 'preact/hooks';

const LANG_KEY = 'qiantang.lang';

const LABELS = {
  appName: ['钱塘 · 城市数据平台', 'Qiantang · City data platform'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  tokenLabel: ['API 令牌', 'API token'],
  tokenHint: ['服务器启动时打印的令牌（qt_ 开头）', 'The token the server printed at start-up (starts with qt_)'],
  overview: ['总览', 'Overview'],
  orgs: ['组织机构', 'Organisations'],
  compute: ['算力调度', 'Compute'],
  dataspace: ['可信数据空间', 'Trusted data space'],
  privacy: ['隐私计算', 'Privacy computing'],
  exchange: ['数据交易', 'Data exchange'],
  ledger: ['区块链账本', 'Ledger'],
  match: ['场景服务', 'Scenario services'],
  identity: ['市民码 · 人才码', 'Citizen & talent codes'],
  comingSoon: ['建设中', 'Coming next'],
  pooledCompute: ['汇聚算力', 'Pooled compute'],
  tenKCluster: ['液冷万卡集群', 'Liquid-cooled 10,000-card cluster'],
  cards: ['卡', 'cards'],
  providers: ['算力提供方', 'Providers'],
  chipKinds: ['芯片种类', 'Chip kinds'],
  byChip: ['一云多芯：按芯片', 'One cloud, many chips: by chip'],
  chip: ['芯片', 'Chip'],
  vendor: ['厂商', 'Vendor'],
  memory: ['显存', 'Memory'],
  pools: ['资源池', 'Pools'],
  pool: ['资源池', 'Pool'],
  provider: ['提供方', 'Provider'],
  region: ['区域', 'Region'],
  simulate: ['调度策略仿真（真实集群作业轨迹）', 'Scheduling simulation on a real job trace'],
  trace: ['作业轨迹', 'Trace'],
  cluster: ['集群', 'Cluster'],
  homogeneous: ['同构集群（按卡数）', 'Homogeneous (by cards)'],
  maxJobs: ['作业数', 'Jobs'],
  timeScale: ['到达压缩倍数', 'Arrival compression'],
  run: ['运行仿真', 'Run simulation'],
  running: ['仿真中…', 'Simulating…'],
  jobs: ['个作业', 'jobs'],
  policy: ['策略', 'Policy'],
  avgJct: ['平均完成时间', 'Avg JCT'],
  avgQueue: ['平均排队', 'Avg queue'],
  utilization: ['利用率', 'Utilisation'],
  preemptions: ['抢占次数', 'Preemptions'],
  vsFifo: ['相对 FIFO', 'vs FIFO'],
  name: ['名称', 'Name'],
  kind: ['类型', 'Kind'],
  creditCode: ['统一社会信用代码', 'Credit code'],
  created: ['创建时间', 'Created'],
  more: ['下一页', 'Next page'],
  first: ['第一页', 'First page'],
  loading: ['加载中…', 'Loading…'],
  create: ['新建', 'Create'],
  newOrg: ['新建组织', 'New organisation'],
  adminToken: ['新组织管理员令牌（仅显示一次）', 'Admin token of the new organisation (shown once)'],
  signedInAs: ['当前身份', 'Signed in as'],
  role: ['角色', 'Role'],
  language: ['English', '中文'],
  checkpoint: ['最新签名检查点', 'Latest signed checkpoint'],
  account: ['账户与令牌', 'Users & tokens'],
  users: ['用户', 'Users'],
  tokens: ['API 令牌', 'API tokens'],
  label: ['用途', 'Label'],
  issue: ['签发令牌', 'Issue token'],
  revoke: ['吊销', 'Revoke'],
  revoked: ['吊销时间', 'Revoked'],
  expires: ['到期', 'Expires'],
  secretOnce: ['新令牌（仅显示一次）：', 'New token (shown once):'],
  eventKind: ['事件', 'Event'],
  subject: ['对象', 'Subject'],
  verify: ['验证', 'Verify'],
  included: ['已收录于检查点', 'included in checkpoint'],
  signed: ['运营方签名', 'operator signature'],
  sigUnchecked: ['浏览器不支持 Ed25519，签名未核验', 'signature not checked (no Ed25519 in this browser)'],
};

const SECTION_TEXT = {
  compute: ['汇聚多家算力提供方的集群（含液冷万卡集群、一云多芯），撮合供需、拓扑感知的整组调度、计量计费、算力券抵扣，并下发到 Slurm 集群。',
            'Pools accelerator clusters from many providers (the liquid-cooled 10,000-card cluster among them), matches demand to capacity, schedules gang jobs topology-aware, meters, bills, applies compute vouchers and dispatches to Slurm.'],
  dataspace: ['数据源接入、治理加工（“装修”）为数据产品、目录、数字合约，以及“可用不可见”的受控通道。',
              'Data sources, governance pipelines that renovate raw data into products, a catalog, digital contracts, and a controlled channel where data is usable but not visible.'],
  privacy: ['两方隐私求交（ECDH-PSI）与带指纹的安全交付。', 'Two-party ECDH private set intersection and fingerprinted secure delivery.'],
  exchange: ['数据产权登记、公示、编号签名证书（“00001”起）、质押、挂牌与交易。',
             'Data property registration with public notice, numbered signed certificates ("00001" onwards), pledges, listings and trades.'],
  ledger: ['RFC 9162 默克尔日志：每一次状态变更都记账，任何人可离线验证。',
           'An RFC 9162 Merkle log under every state change, verifiable offline by anyone.'],
  match: ['杭创E站投贷补担保撮合、场景创新平台机会与能力清单、春雨计划“政策找人”。',
          'Finance matching for tech firms, the opportunity and capability lists, and "policy finds people".'],
  identity: ['市民码与人才码：签名二维码凭证，18 类服务离线核验。',
             'Citizen and talent codes: signed QR credentials verified offline by 18 kinds of service.'],
};

export function useLang() {
  const [lang, setLang] = useState(localStorage.getItem(LANG_KEY) || 'zh');
  const toggle = () => {
    const next = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, next);
    setLang(next);
  };
  const i = lang === 'zh' ? 0 : 1;
  const t = (key) => (LABELS[key] ? LABELS[key][i] : key);
  const sectionText = (key) => (SECTION_TEXT[key] ? SECTION_TEXT[key][i] : '');
  return { lang, toggle, t, sectionText };
}
